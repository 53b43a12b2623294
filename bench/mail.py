"""Email: sending notifications to a local aiosmtpd against a bare aiosmtplib loop sending the same
messages, and an IMAP APPEND to a private Dovecot until its reply is committed, with IDLE.

    python bench/mail.py [--messages 2000] [--appends 40]

The send figure covers hookdesk's part of a notification that needs no database: rendering it
(templates, CSS inlined, MIME) and handing it over on the kept connection (`mail/smtp.py`). The
dispatcher does not send notifications yet, so "agent reply -> accepted by the SMTP server" is not
measured. The mail servers are the tests' own (tests/mail/*_server.py).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import progress, spawned
from bench.dispatch import percentile

SEND_RATIO = 0.5  # hookdesk's messages per second / the bare loop's
IDLE_P50_S = 1.0  # APPEND -> reply committed


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python bench/mail.py", description=__doc__)
    parser.add_argument("--messages", type=int, default=2000, help="messages sent per loop")
    parser.add_argument("--appends", type=int, default=40, help="messages appended one by one")
    return parser.parse_args(argv)


# --- sending -------------------------------------------------------------------------------


def notifications(count: int) -> list[Any]:
    from hookdesk.accounts.brand import Brand
    from hookdesk.mail.render.content import Kind, Notification

    brand = Brand("Acme Support", "https://cdn.acme.example/logo.png", "#12ab34")
    return [
        Notification(
            kind=Kind.AGENT_REPLIED,
            language=("en", "nl", "de", "fr", "es")[n % 5],
            brand=brand,
            recipient_name=f"Client {n}",
            title=f"Billing settings fail ({n})",
            text="Please try again now: the settings page was fixed this morning.\n\nAda",
            author="Ada Agent",
            link=f"https://help.acme.example/portal/enter/{n:032d}",
        )
        for n in range(count)
    ]


def composed(notification: Any) -> Any:
    from hookdesk.mail.render.compose import Address, Envelope, compose, new_message_id
    from hookdesk.mail.render.content import render

    sender = Address("Acme Support", "support@acme.example")
    envelope = Envelope(
        sender=sender,
        recipient=Address(notification.recipient_name, "client@example.com"),
        message_id=new_message_id(sender),
        thread=("<ticket.1@acme.example>",),
    )
    return compose(render(notification), envelope)


async def bare_loop(port: int, messages: list[Any]) -> float:
    import aiosmtplib

    started = time.perf_counter()
    client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False)
    await client.connect()
    for message in messages:
        await client.send_message(
            message, sender="support@acme.example", recipients=["c@example.com"]
        )
    await client.quit()
    return len(messages) / (time.perf_counter() - started)


async def hookdesk_loop(url: str, items: list[Any]) -> tuple[float, int]:
    from hookdesk.mail.smtp import SmtpSender
    from hookdesk.net import mailurls as urls

    server = urls.parse(url, schemes=urls.SENDING)
    sender = SmtpSender(timeout=30)
    failed = 0
    started = time.perf_counter()
    for notification in items:
        answer = await sender.send(
            server, composed(notification), sender="support@acme.example", to="c@example.com"
        )
        failed += answer.outcome != "sent"
    await sender.close()
    return len(items) / (time.perf_counter() - started), failed


def run_send(count: int) -> dict[str, Any]:
    from tests.mail.smtp_server import SmtpServer

    items = notifications(count)
    prerendered = [composed(n) for n in items]
    smtp = SmtpServer()
    try:
        bare = asyncio.run(bare_loop(smtp.port, prerendered))
        mine, failed = asyncio.run(hookdesk_loop(smtp.url, items))
        connections = smtp.connections
    finally:
        smtp.stop()
    return {
        "messages": count,
        "bare_per_s": bare,
        "hookdesk_per_s": mine,
        "ratio": mine / bare if bare else None,
        "hookdesk_connections": connections - 1,  # the bare loop's one taken out
        "errors": failed,
    }


# --- receiving -----------------------------------------------------------------------------


def prepared_account(url: str, imap_url: str, key: str) -> str:
    from hookdesk.accounts import service as accounts
    from hookdesk.categories import service as categories
    from hookdesk.categories.schemas import CategoryCreate
    from hookdesk.db import Database
    from hookdesk.mail import settings as mail_settings
    from hookdesk.mail.schemas import MailSettingsUpdate
    from hookdesk.migrations.migrate import prepare
    from hookdesk.shared.secretbox import SecretBox

    database = Database(url)
    prepare(database.engine)
    with database.transaction() as session:
        account_id = accounts.create(session, name="Bench Agency").account_id
        categories.create(
            session, account_id=account_id, data=CategoryCreate(title="General", language="en")
        )
        scope = mail_settings.Scope(account_id=account_id, dev=True, box=SecretBox(key))
        mail_settings.update(session, scope, MailSettingsUpdate(imap_url=imap_url))
    database.dispose()
    return account_id


def ticket_count(database: Any) -> int:
    from sqlalchemy import func, select

    from hookdesk.models.tickets import Ticket

    with database.read() as session:
        return session.scalar(select(func.count()).select_from(Ticket)) or 0


def run_receive(appends: int, workdir: Path, kind: str) -> dict[str, Any]:
    from cryptography.fernet import Fernet
    from tests.mail.imap_server import ImapServer
    from tests.mail.messages import message

    from bench import latency_curve
    from hookdesk.db import Database

    key = Fernet.generate_key().decode()
    root = Path(tempfile.mkdtemp(prefix="hookdesk-imap-"))
    root.chmod(0o755)
    imap = ImapServer(root)
    try:
        with latency_curve.database(kind, workdir) as url:
            prepared_account(url, imap.url(), key)
            # A long poll interval: only IDLE can make the reply quick.
            env = {**os.environ, "HOOKDESK_SECRET_KEY": key, "HOOKDESK_IMAP_POLL_INTERVAL": "60"}
            command = [
                sys.executable,
                "-m",
                "hookdesk",
                "dispatcher",
                "--dev",
                "--database-url",
                url,
            ]
            database = Database(url)
            with spawned(f"mail-dispatcher-{kind}", command, workdir, env):
                imap.append(message(subject="warm-up"))
                wait(lambda: ticket_count(database) >= 1, 30)
                seconds = []
                for n in range(appends):
                    started = time.perf_counter()
                    imap.append(message(subject=f"Question {n}"))
                    wait(lambda n=n: ticket_count(database) >= n + 2, 30)
                    seconds.append(time.perf_counter() - started)
            database.dispose()
    finally:
        imap.stop()
        shutil.rmtree(root, ignore_errors=True)
    seconds.sort()
    return {
        "database": kind,
        "appends": appends,
        "p50_s": percentile(seconds, 50),
        "p99_s": percentile(seconds, 99),
        "max_s": seconds[-1],
    }


def wait(condition: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError("mail bench: waited too long for a committed reply")
        time.sleep(0.002)


def run(messages: int, appends: int, workdir: Path) -> dict[str, Any]:
    progress(f"mail: {messages} messages, bare aiosmtplib loop then hookdesk")
    send = run_send(messages)
    receive = []
    for kind in ("sqlite", "postgresql"):
        progress(f"mail: {appends} IMAP appends with IDLE, {kind}")
        receive.append(run_receive(appends, workdir, kind))
    return {"send": send, "receive": receive, "errors": send["errors"]}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="hookdesk-bench-mail-"))
    try:
        found = run(args.messages, args.appends, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    send = found["send"]
    print(
        f"send: bare {send['bare_per_s']:.0f}/s, hookdesk {send['hookdesk_per_s']:.0f}/s "
        f"(ratio {send['ratio']:.2f}, goal >= {SEND_RATIO}), "
        f"{send['hookdesk_connections']} connection(s)"
    )
    for r in found["receive"]:
        print(
            f"IMAP APPEND -> committed ({r['database']}): p50 {r['p50_s'] * 1000:.0f} ms, "
            f"p99 {r['p99_s'] * 1000:.0f} ms (goal p50 < {IDLE_P50_S * 1000:.0f} ms)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

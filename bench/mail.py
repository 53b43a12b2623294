"""Email: sending notifications to a local aiosmtpd against a bare aiosmtplib loop sending the same
messages; agent replies at a steady rate (to 50 tickets in turn) until their notifications are
accepted by aiosmtpd; and an IMAP APPEND to a private Dovecot until its reply is committed, with
IDLE.

    python bench/mail.py [--messages 2000] [--replies 500] [--reply-rate 50] [--appends 40]

The send figure covers hookdesk's part of a notification that needs no database: rendering it
(templates, CSS inlined, MIME) and handing it over on the kept connection (`mail/smtp.py`). The
reply figure is the whole path: `hookdesk serve` answers `POST .../reply/create`, its dispatcher
claims the queued notification, prepares it, sends it, and aiosmtpd accepts it. The mail servers
are the tests' own (tests/mail/*_server.py).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (
    HOST,
    create_account,
    free_port,
    hookdesk_command,
    post_json,
    progress,
    run_async,
    running,
    server_env,
    spawned,
    ticket_body,
)
from bench.dispatch import percentile

SEND_RATIO = 0.5  # hookdesk's messages per second / the bare loop's
REPLY_P50_MS = 50.0  # agent reply -> accepted by the SMTP server, at REPLY_RATE
REPLY_RATE = 50.0
IDLE_P50_S = 1.0  # APPEND -> reply committed


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python bench/mail.py", description=__doc__)
    parser.add_argument("--messages", type=int, default=2000, help="messages sent per loop")
    parser.add_argument("--replies", type=int, default=500, help="agent replies, per database")
    parser.add_argument(
        "--reply-rate", type=float, default=REPLY_RATE, help="agent replies per second"
    )
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


# --- agent reply -> accepted by the SMTP server -------------------------------------------

MARKER = re.compile(r"bench-reply-([0-9]+)")
SUPPORT = "Acme Support <support@acme.example>"


def timed_smtp_server() -> Any:
    """The tests' aiosmtpd, noting when each bench reply's notification is accepted."""
    from email import message_from_bytes, policy

    from tests.mail.smtp_server import SmtpServer

    class TimedSmtpServer(SmtpServer):
        def __init__(self) -> None:
            self.accepted: dict[int, float] = {}
            super().__init__()

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            answer = await super().handle_DATA(server, session, envelope)
            at = time.perf_counter()
            body = message_from_bytes(envelope.content, policy=policy.default).get_body(("plain",))
            found = MARKER.search(body.get_content()) if body is not None else None
            if found:
                self.accepted[int(found.group(1))] = at
            return answer

    return TimedSmtpServer()


TICKETS = 50  # the replies go round them: a ticket's answer and event grow with its replies


async def paced_replies(
    port: int, api_key: str, ticket_ids: list[str], count: int, rate: float
) -> Any:
    """`count` agent replies at `rate` per second, to the tickets in turn; when each request
    left, and the failures."""
    import aiohttp

    url = f"http://{HOST}:{port}/v2/agency/tickets/reply/create/"
    headers = {"Authorization": f"Bearer {api_key}"}
    started: dict[int, float] = {}
    failures: list[str] = []

    async def reply(session: aiohttp.ClientSession, n: int) -> None:
        started[n] = time.perf_counter()
        try:
            reply_url = url + ticket_ids[n % len(ticket_ids)]
            body = {"reply": f"bench-reply-{n}"}
            async with session.post(reply_url, json=body, headers=headers) as r:
                if r.status != 200:
                    failures.append(f"HTTP {r.status}")
        except (aiohttp.ClientError, TimeoutError) as error:
            failures.append(type(error).__name__)

    loop = asyncio.get_running_loop()
    begin = loop.time() + 0.01
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        tasks = []
        for n in range(count):
            if (delay := begin + n / rate - loop.time()) > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(reply(session, n)))
        await asyncio.gather(*tasks)
    return started, failures


def run_replies(count: int, rate: float, workdir: Path, kind: str) -> dict[str, Any]:
    from bench import latency_curve

    smtp = timed_smtp_server()
    try:
        with latency_curve.database(kind, workdir) as url:
            env = server_env(workdir, "FULL")
            env.update({"HOOKDESK_SMTP_URL": smtp.url, "HOOKDESK_MAIL_FROM": SUPPORT})
            api_key = create_account(url, workdir, env)
            port = free_port()
            command = [str(hookdesk_command()), "serve", "--host", HOST, "--port", str(port)]
            command += ["--database-url", url, "--dev"]
            with running(f"mail-serve-{kind}", command, port, workdir, env) as server:
                body = ticket_body(port, api_key)
                tickets = [
                    post_json(port, "/v2/agency/tickets/create", body, api_key)["ticket"]["id"]
                    for _ in range(TICKETS)
                ]
                wait(lambda: len(smtp.received) >= TICKETS, 120)  # their ticket_opened mail
                cpu_before = server.cpu_seconds()
                started, failures = run_async(paced_replies(port, api_key, tickets, count, rate))
                wait(lambda: len(smtp.accepted) >= count - len(failures), 120)
                cpu_after = server.cpu_seconds()
    finally:
        smtp.stop()
    warm = count // 10  # the first tenth warms up
    done = [n for n in started if n >= warm and n in smtp.accepted]
    ms = sorted((smtp.accepted[n] - started[n]) * 1000 for n in done)
    return {
        "database": kind,
        "replies": count,
        "rate": rate,
        "p50_ms": percentile(ms, 50),
        "p99_ms": percentile(ms, 99),
        "max_ms": ms[-1] if ms else None,
        "connections": smtp.connections,
        # The server's CPU for each reply: the API's answer and the notification sent (a busy
        # machine lengthens the latency, much less this).
        "cpu_ms_per_reply": (
            (cpu_after - cpu_before) * 1000 / count
            if cpu_before is not None and cpu_after is not None
            else None
        ),
        "errors": len(failures),
    }


# --- receiving -----------------------------------------------------------------------------


def prepared_account(url: str, imap_url: str, key: str) -> str:
    from hookdesk.accounts import service as accounts
    from hookdesk.accounts.acting import Acting, ApiKey
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
        box = SecretBox(key)
        acting = Acting(
            account_id, ApiKey("bench"), public_url="http://localhost", dev=True, box=box
        )
        mail_settings.update(session, acting, MailSettingsUpdate(imap_url=imap_url))
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
            raise RuntimeError("mail bench: waited too long")
        time.sleep(0.002)


def run(
    messages: int, appends: int, workdir: Path, replies: int = 500, reply_rate: float = REPLY_RATE
) -> dict[str, Any]:
    progress(f"mail: {messages} messages, bare aiosmtplib loop then hookdesk")
    send = run_send(messages)
    reply = []
    receive = []
    for kind in ("sqlite", "postgresql"):
        progress(f"mail: {replies} agent replies at {reply_rate:g}/s until accepted, {kind}")
        reply.append(run_replies(replies, reply_rate, workdir, kind))
    for kind in ("sqlite", "postgresql"):
        progress(f"mail: {appends} IMAP appends with IDLE, {kind}")
        receive.append(run_receive(appends, workdir, kind))
    errors = send["errors"] + sum(r["errors"] for r in reply)
    return {"send": send, "reply": reply, "receive": receive, "errors": errors}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="hookdesk-bench-mail-"))
    try:
        found = run(args.messages, args.appends, workdir, args.replies, args.reply_rate)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    send = found["send"]
    print(
        f"send: bare {send['bare_per_s']:.0f}/s, hookdesk {send['hookdesk_per_s']:.0f}/s "
        f"(ratio {send['ratio']:.2f}, goal >= {SEND_RATIO}), "
        f"{send['hookdesk_connections']} connection(s)"
    )
    for r in found["reply"]:
        print(
            f"agent reply -> accepted by SMTP ({r['database']}, {r['rate']:g}/s): "
            f"p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, "
            f"server CPU {r['cpu_ms_per_reply'] or 0:.1f} ms per reply "
            f"(goal p50 < {REPLY_P50_MS:.0f} ms), {r['errors']} error(s)"
        )
    for r in found["receive"]:
        print(
            f"IMAP APPEND -> committed ({r['database']}): p50 {r['p50_s'] * 1000:.0f} ms, "
            f"p99 {r['p99_s'] * 1000:.0f} ms (goal p50 < {IDLE_P50_S * 1000:.0f} ms)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

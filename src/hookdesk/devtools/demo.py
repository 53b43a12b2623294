"""`hookdesk demo`: the service, a local receiver and `listen`, and one ticket's whole life.

Everything runs on loopback, on an empty SQLite database in a temporary folder, and stops by
itself: the newcomer sees each event arrive, signed and verified, in a few seconds.

The receiver SDK (pydantic), the listener (httpx), the email and the HTTP server modules are
imported by the functions that use them, when the demo runs: `hookdesk --help` loads none.
"""

import json
import os
import queue
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from hookdesk.devtools.client import Api
from hookdesk.devtools.invocation import command, source_file

if TYPE_CHECKING:
    from hookdesk.devtools.forwarding import Session

console = Console(soft_wrap=True, highlight=False)
EVENT_WAIT = 15.0


def next_steps() -> str:
    """What to try next: commands that run from where the user stands, each after a comment."""
    hookdesk = command()
    serve = source_file("scripts/serve") or f"{hookdesk} serve --dev"
    steps = [
        ("run it for real on SQLite; it prints a first account's API key", serve),
        ("in another terminal, that key for the commands below", "export HOOKDESK_API_KEY=hk_…"),
        ("your app gets the events", f"{hookdesk} listen --forward-to http://localhost:4000/hooks"),
        ("a sample event of any type", f"{hookdesk} trigger whitelabel.ticket.resolved"),
        (
            "an endpoint of your own",
            f"{hookdesk} endpoints create --url https://… --events whitelabel.ticket.created",
        ),
    ]
    lines = [f"  [dim]# {why}[/]\n  {escape(step)}" for why, step in steps]
    guide = source_file("docs/receiving.md")
    if guide:
        lines.append(f"  [dim]# verifying and parsing the events in your app: {escape(guide)}[/]")
    return "[bold]Try next[/]\n" + "\n".join(lines)


def demo(
    keep: Annotated[
        bool, typer.Option("--keep", help="Keep the demo's folder and database.")
    ] = False,
) -> None:
    """Watch one ticket's events arrive at a local app, signed and verified, in seconds."""
    from hookdesk.receiver.signing import new_secret  # noqa: PLC0415

    folder = Path(tempfile.mkdtemp(prefix="hookdesk-demo-"))
    try:
        with (
            _mail_catcher() as (smtp_url, letters),
            _service(folder, smtp_url) as (url, key),
            _receiver() as (hook_url, arrivals),
        ):
            secret = new_secret()
            listening = _start_listening(url, key, hook_url, secret)
            console.print(f"[bold]hookdesk demo[/]: the service on {url}, your app on {hook_url}\n")
            try:
                _walk_a_ticket(Api(url, key), arrivals, letters, secret)
            finally:
                listening.stop()
        console.print(f"\n{next_steps()}")
    finally:
        if keep:
            console.print(f"The demo's folder is kept: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def _service(folder: Path, smtp_url: str) -> Iterator[tuple[str, str]]:
    port = _free_port()
    log = (folder / "serve.log").open("w")
    process = subprocess.Popen(  # noqa: S603  (this very Python, running hookdesk)
        [sys.executable, "-m", "hookdesk", "serve", "--dev", "--port", str(port)],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("HOOKDESK_")},
            "HOOKDESK_SMTP_URL": smtp_url,
            "HOOKDESK_MAIL_FROM": f"Acme Support <{SUPPORT}>",
        },
    )
    try:
        assert process.stdout is not None
        key = str(json.loads(process.stdout.readline())["api_key"])
        threading.Thread(target=_drain, args=(process.stdout,), daemon=True).start()
        url = f"http://127.0.0.1:{port}"
        _wait_until_up(url, key)
        yield url, key
    finally:
        process.terminate()
        process.wait(timeout=30)


SUPPORT = "help@acme.example"
GREETING = "Thanks for contacting our support. An agent will be with you shortly."


def _walk_a_ticket(
    api: Api, arrivals: "queue.Queue[bytes]", letters: "queue.Queue[bytes]", secret: str
) -> None:
    client = api.post("/v2/agency/clients/create", {"name": "James Doe", "email": "j@example.com"})
    category = api.post(
        "/v2/agency/ticket-categories/create",
        {"title": "General Support", "language": "en", "automated_reply": GREETING},
    )
    agent = api.post("/v2/agency/teammates/create", {"name": "Ada Agent", "email": "a@example.com"})
    # Notifications go to the demo's own mail catcher (the server's default SMTP).
    api.post("/v2/agency/mail/update", {"from_address": SUPPORT, "reply_to_address": SUPPORT})
    opened = api.post(
        "/v2/agency/tickets/create",
        {
            "client_id": client["client"]["id"],
            "title": "Help with account",
            "description": "The billing settings page fails.",
            "category": category["ticket_category"]["id"],
            "is_client_reply": True,
        },
    )
    _show_arrival("The client opens a ticket", arrivals, secret)
    ticket_id = opened["ticket"]["id"]
    _show_notification(letters)
    _answer_by_email(api, ticket_id)
    _show_arrival("The client's emailed reply is applied", arrivals, secret)
    steps = [
        ("An agent takes the ticket", "assign", {"teammate_id": agent["teammate"]["id"]}),
        ("The agent resolves it", "resolve", {}),
    ]
    for story, action, body in steps:
        api.post(f"/v2/agency/tickets/{action}/{ticket_id}", body)
        _show_arrival(story, arrivals, secret)


def _show_notification(letters: "queue.Queue[bytes]") -> None:
    """The first notification the dispatcher sent, as the local mail server accepted it."""
    from email import message_from_bytes, policy  # noqa: PLC0415

    console.print("[bold]A notification is emailed[/]")
    try:
        letter = message_from_bytes(letters.get(timeout=30), policy=policy.default)
    except queue.Empty:
        console.print("  [red]✘ no notification reached the mail server within 30 s[/]")
        return
    console.print(
        f"  [green]✔[/] {letter['Subject']!s} to {letter['To']!s}, accepted by the local mail "
        "server; every message is also listed in the console's Mail page"
    )


def _answer_by_email(api: Api, ticket_id: str) -> None:
    """The client answers the notification from their mail client: the raw message goes to the
    inbound route, as a mail provider forwards it (or as IMAP polling reads it)."""
    from email.message import EmailMessage  # noqa: PLC0415
    from email.utils import make_msgid  # noqa: PLC0415

    reply = EmailMessage()
    reply["From"] = "James Doe <j@example.com>"
    reply["To"] = SUPPORT
    reply["Subject"] = "Re: Help with account"
    reply["Message-ID"] = make_msgid(domain="example.com")
    reply["In-Reply-To"] = f"<ticket.{ticket_id}@{SUPPORT.rpartition('@')[2]}>"
    reply.set_content(
        "Still failing, sorry.\n\nOn Mon, Acme Support <help@acme.example> wrote:\n> Thanks"
    )
    console.print("[bold]The client answers the notification by email[/]")
    answer = api.post_raw("/v2/inbound/email", reply.as_bytes(), "message/rfc822")
    console.print(f"  [green]✔[/] {answer['action']}: the quoted text cut off")


def _show_arrival(story: str, arrivals: "queue.Queue[bytes]", secret: str) -> None:
    from hookdesk.receiver import (  # noqa: PLC0415
        WebhookEndpointDisabled,
        WebhookEventFailed,
        WebhookVerificationError,
        parse_event,
        verify,
    )

    console.print(f"[bold]{story}[/]")
    try:
        raw = arrivals.get(timeout=EVENT_WAIT)
    except queue.Empty:
        console.print("[red]  no event arrived in time[/]")
        raise typer.Exit(1) from None
    headers, body = json.loads(raw)
    try:
        verify(body.encode(), headers, secret)
    except WebhookVerificationError as error:
        console.print(f"[red]  the signature did not verify: {error}[/]")
        raise typer.Exit(1) from None
    event = parse_event(body)
    if isinstance(event, WebhookEndpointDisabled | WebhookEventFailed):
        console.print(f"  [green]✔[/] {event.event_type} {event.event_id} arrived, verified")
        return
    ticket = event.data.ticket
    console.print(
        f"  [green]✔[/] {event.event_type} {event.event_id} arrived, signature verified: "
        f"open={ticket.is_open}, {len(ticket.replies)} replies, teammate={ticket.teammate_id}"
    )


@contextmanager
def _mail_catcher() -> Iterator[tuple[str, "queue.Queue[bytes]"]]:
    """A mail server on 127.0.0.1 that keeps what it is sent (aiosmtpd), standing in for the
    agency's, so a notification can be seen going out."""
    from aiosmtpd.controller import Controller  # noqa: PLC0415

    letters: queue.Queue[bytes] = queue.Queue()

    class Keep:
        async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
            letters.put(envelope.content)
            return "250 OK"

    port = _free_port()
    controller = Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}", letters
    finally:
        controller.stop()


@contextmanager
def _receiver() -> Iterator[tuple[str, "queue.Queue[bytes]"]]:
    """The newcomer's app: it keeps each request for the demo to verify and show."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer  # noqa: PLC0415

    arrivals: queue.Queue[bytes] = queue.Queue()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            arrivals.put(json.dumps([dict(self.headers.items()), body.decode()]).encode())
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks", arrivals
    finally:
        server.shutdown()
        server.server_close()


def _start_listening(url: str, key: str, hook_url: str, secret: str) -> "Session":
    from hookdesk.devtools.forwarding import Session  # noqa: PLC0415

    session = Session(
        api_url=url, api_key=key, forward_to=hook_url, events=None, secret=secret, show_lines=False
    )
    threading.Thread(target=session.run, daemon=True).start()
    time.sleep(0.5)  # the stream opens before the first change
    return session


def _wait_until_up(url: str, key: str) -> None:
    api = Api(url, key, timeout=2)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            api.get("/v2/agency/clients/list")
            return
        except Exception:  # not up yet
            time.sleep(0.1)
    raise RuntimeError("the demo service did not start")


def _drain(stream: Any) -> None:
    for _ in stream:
        pass


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])

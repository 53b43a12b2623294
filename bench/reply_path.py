"""Which of hookdesk's modules one ticket reply runs code in, from the route until the receiver
has the `whitelabel.ticket.updated` event and its attempt is recorded: a measure of the code's
shape, not of its speed.

    python -m bench.reply_path          # prints the count, then the modules

A throw-away SQLite file, the app with its own dispatcher under Starlette's TestClient, and a
receiver on 127.0.0.1. A first reply warms the caches; the second is traced (a profile hook on
every thread, noting each hookdesk module whose functions are called).
"""

from __future__ import annotations

import json
import logging
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import Any

import structlog
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient

from hookdesk.accounts import service as accounts
from hookdesk.app import create_app
from hookdesk.config import Settings
from hookdesk.db import Database
from hookdesk.migrations.migrate import prepare

received: list[bytes] = []


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        received.append(self.rfile.read(int(self.headers["Content-Length"])))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *_args: Any) -> None:
        pass


class Tracer:
    def __init__(self) -> None:
        self.active = False
        self.seen: set[str] = set()

    def __call__(self, frame: FrameType, event: str, _arg: object) -> None:
        if self.active and event == "call":
            name = frame.f_globals.get("__name__", "")
            if name.startswith("hookdesk."):
                self.seen.add(name)


def reply_path() -> list[str]:
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    folder = Path(tempfile.mkdtemp(prefix="hookdesk-reply-path-"))
    database = Database(f"sqlite:///{folder / 'hookdesk.db'}")
    prepare(database.engine)
    settings = Settings(
        database_url=database.url,
        data_dir=folder / "data",
        public_url="http://testserver",
        secret_key=Fernet.generate_key().decode(),
        rate_limit=0,
        dev=True,
        log_level="warning",
    )
    with database.transaction() as session:
        headers = {"Authorization": f"Bearer {accounts.create(session, name='A').api_key}"}
    tracer = Tracer()
    threading.setprofile(tracer)  # every thread the app starts from here on
    sys.setprofile(tracer)
    with TestClient(create_app(settings, database, run_dispatcher=True)) as client:

        def post(path: str, body: dict[str, Any], name: str) -> dict[str, Any]:
            answer = client.post(path, json=body, headers=headers)
            assert answer.status_code == 200, answer.text
            found: dict[str, Any] = answer.json()[name]
            return found

        url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
        hook = {"url": url, "events": ["whitelabel.ticket.updated"]}
        post("/v2/webhook-endpoints/create", hook, "webhook_endpoint")
        person = {"name": "C", "email": "c@example.com"}
        client_id = post("/v2/agency/clients/create", person, "client")["id"]
        kind = {"title": "T", "language": "en"}
        category = post("/v2/agency/ticket-categories/create", kind, "ticket_category")["id"]
        opened = {"client_id": client_id, "title": "x", "description": "y", "category": category}
        ticket = post("/v2/agency/tickets/create", opened, "ticket")["id"]
        for traced in (False, True):
            received.clear()
            tracer.active = traced
            reply = {"reply": "hello", "is_client_reply": True}
            post(f"/v2/agency/tickets/reply/create/{ticket}", reply, "ticket")
            deadline = time.monotonic() + 20
            while not received and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(0.3)  # the attempt is recorded just after the receiver's answer
            tracer.active = False
        assert received, "the receiver got nothing"
    sys.setprofile(None)
    threading.setprofile(None)  # type: ignore[arg-type,unused-ignore]
    return sorted(tracer.seen)


if __name__ == "__main__":
    # The request log would interleave with the answer; only warnings are worth showing here.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    modules = reply_path()
    print(len(modules))
    print(json.dumps(modules, indent=0))

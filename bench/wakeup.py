"""Wake-up: how soon a dispatcher in another process sends an event committed while it was idle.

On PostgreSQL the commit's NOTIFY wakes it (goal: under 0.5 s); on SQLite it finds the event at
its next periodic look (goal: under 2.5 s, the 2 s poll and the send). Each event is committed
after the dispatcher has been idle long enough that no look already due can carry it.

    python -m bench.wakeup [--events N]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import postgres
from bench.common import HOST, hookdesk_command

GOALS = {"postgresql": 0.5, "sqlite": 2.5}
IDLE = 2.5  # seconds between events: longer than the dispatcher's periodic look


class Arrivals(ThreadingHTTPServer):
    def __init__(self) -> None:
        self.times: list[float] = []
        self.arrived = threading.Condition()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(handler) -> None:  # `self` is the server here
                handler.rfile.read(int(handler.headers["Content-Length"]))
                handler.send_response(200)
                handler.end_headers()
                with self.arrived:
                    self.times.append(time.time())
                    self.arrived.notify_all()

            def log_message(handler, *_args: object) -> None:
                pass

        super().__init__((HOST, 0), Handler)

    def wait_for(self, count: int, timeout: float = 30) -> float:
        with self.arrived:
            if not self.arrived.wait_for(lambda: len(self.times) >= count, timeout):
                raise RuntimeError(f"event {count} did not arrive within {timeout} s")
            return self.times[count - 1]


def delays(database_url: str, events: int, workdir: Path) -> list[float]:
    from cryptography.fernet import Fernet
    from fastapi.testclient import TestClient

    from hookdesk.accounts import service as accounts
    from hookdesk.app import create_app
    from hookdesk.config import Settings
    from hookdesk.db import Database
    from hookdesk.migrations.migrate import prepare

    key = Fernet.generate_key().decode()
    database = Database(database_url)
    prepare(database.engine)
    receiver = Arrivals()
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    dispatcher = subprocess.Popen(
        [str(hookdesk_command()), "dispatcher", "--dev", "--database-url", database_url],
        env={**os.environ, "HOOKDESK_SECRET_KEY": key},
        stdout=subprocess.DEVNULL,
        stderr=(workdir / "dispatcher.log").open("wb"),
    )
    settings = Settings(database_url=database_url, dev=True, secret_key=key, data_dir=workdir)
    try:
        with database.write() as session:
            api_key = accounts.create(session, name="Wake-up").api_key
        with TestClient(create_app(settings, database)) as client:  # no dispatcher in here
            headers = {"Authorization": f"Bearer {api_key}"}
            url = f"http://{HOST}:{receiver.server_address[1]}/hook"
            body = {"url": url, "events": ["whitelabel.ticket.created"]}
            client.post("/v2/webhook-endpoints/create", json=body, headers=headers)
            client_id = _post(
                client,
                headers,
                "/v2/agency/clients/create",
                "client",
                {"name": "C", "email": "c@example.com"},
            )
            category = _post(
                client,
                headers,
                "/v2/agency/ticket-categories/create",
                "ticket_category",
                {"title": "General", "language": "en"},
            )
            found = []
            for count in range(1, events + 1):
                time.sleep(IDLE)
                ticket = {
                    "client_id": client_id,
                    "title": "t",
                    "description": "d",
                    "category": category,
                }
                committed = time.time()
                _post(client, headers, "/v2/agency/tickets/create", "ticket", ticket)
                found.append(receiver.wait_for(count) - committed)
            return found
    finally:
        dispatcher.send_signal(signal.SIGTERM)
        dispatcher.wait(timeout=30)
        receiver.shutdown()
        database.dispose()


def _post(client: object, headers: dict[str, str], path: str, name: str, body: object) -> str:
    answer = client.post(path, json=body, headers=headers)  # type: ignore[attr-defined]
    answer.raise_for_status()
    return str(answer.json()[name]["id"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=5)
    args = parser.parse_args()
    failed = False
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        runs = {
            "sqlite": lambda: delays(f"sqlite:///{workdir / 'wakeup.db'}", args.events, workdir)
        }
        if postgres.available() is None:
            runs["postgresql"] = lambda: _on_postgres(args.events, workdir)
        for kind, run in runs.items():
            found = run()
            goal = GOALS[kind]
            held = max(found) < goal
            failed = failed or not held
            print(
                f"{kind:<10} wake-up delay median {statistics.median(found):.3f} s, "
                f"max {max(found):.3f} s (goal: under {goal} s) {'ok' if held else 'MISSED'}"
            )
    sys.exit(1 if failed else 0)


def _on_postgres(events: int, workdir: Path) -> list[float]:
    with postgres.fresh_database() as url:
        return delays(url, events, workdir)


if __name__ == "__main__":
    main()

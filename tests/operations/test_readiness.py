"""`/readyz`: ready when the database answers, the schema is current and a dispatcher is alive;
else 503 naming the failing check."""

import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx
import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import make_url

from hookdesk.db import Database
from hookdesk.migrations.migrate import head_revision
from hookdesk.models.webhooks import DispatcherHeartbeat
from hookdesk.operations.api import READY_DEADLINE
from hookdesk.operations.readiness import UNKNOWN
from hookdesk.webhooks.dispatch.heartbeat import DEAD_AFTER
from tests.support.forwarder import Forwarder
from tests.support.processes import HOOKDESK, free_port
from tests.support.scraping import parse
from tests.support.waiting import wait_until

ALL_OK = {"database": "ok", "schema": "ok", "dispatcher": "ok"}
NO_DISPATCHER = f"no dispatcher seen in the last {DEAD_AFTER:g} seconds"


def beating(db: Database, *, seen_ago: float) -> None:
    now = time.time()
    with db.write() as session:
        session.merge(
            DispatcherHeartbeat(
                id="elsewhere",
                hostname="worker",
                pid=1,
                started_at=int(now),
                seen_at=now - seen_ago,
                in_flight=0,
            )
        )


def test_a_process_running_its_dispatcher_is_ready(live: Any) -> None:
    response = live.http.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": ALL_OK}


def test_a_process_without_a_dispatcher_needs_one_seen_recently(
    http: TestClient, db: Database
) -> None:
    response = http.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unready",
        "checks": {**ALL_OK, "dispatcher": NO_DISPATCHER},
    }
    beating(db, seen_ago=1)
    assert http.get("/readyz").json() == {"status": "ready", "checks": ALL_OK}
    beating(db, seen_ago=DEAD_AFTER + 1)  # killed: its row stays, and ages
    response = http.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["dispatcher"] == NO_DISPATCHER


def test_a_schema_behind_this_hookdesk_is_unready(http: TestClient, db: Database) -> None:
    beating(db, seen_ago=0)
    head = head_revision(db.engine)
    with db.write() as session:
        session.execute(text("UPDATE alembic_version SET version_num = '0005'"))
    try:
        response = http.get("/readyz")
    finally:
        with db.write() as session:
            session.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
    assert response.status_code == 503
    schema = f"at revision 0005; this hookdesk needs {head}"
    assert response.json() == {"status": "unready", "checks": {**ALL_OK, "schema": schema}}


class Outage(Protocol):
    def cut(self) -> None: ...
    def restore(self) -> None: ...


@dataclass
class MovedFile:
    """SQLite's database going away: the file leaves its path (a volume unmounted, a file moved),
    and a directory takes its place, so that nothing can open, or create, a database there."""

    path: Path

    @property
    def away(self) -> Path:
        return self.path.with_name(self.path.name + ".away")

    def cut(self) -> None:
        self.path.rename(self.away)
        self.path.mkdir()

    def restore(self) -> None:
        if self.away.exists():
            self.path.rmdir()
            self.away.rename(self.path)


@contextmanager
def database_to_cut(db: Database, folder: Path) -> Iterator[tuple[str, Outage]]:
    """A database URL for `hookdesk serve`, and the means to cut it off and restore it."""
    if db.is_sqlite:
        path = folder / "hookdesk.db"  # of its own: serve migrates it
        yield f"sqlite:///{path}", MovedFile(path)
        return
    url = make_url(db.url)
    forwarder = Forwarder((url.host or "127.0.0.1", url.port or 5432))
    try:
        yield url.set(port=forwarder.port).render_as_string(hide_password=False), forwarder
    finally:
        forwarder.close()


@contextmanager
def serving(database_url: str, folder: Path) -> Iterator[str]:
    port = free_port()
    log = folder / "serve.log"
    environment = {
        **os.environ,
        "HOOKDESK_SECRET_KEY": Fernet.generate_key().decode(),
        "HOOKDESK_DATA_DIR": str(folder / "data"),
    }
    command = [HOOKDESK, "serve", "--port", str(port), "--database-url", database_url]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=folder, env=environment, stdout=output, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"

    def health() -> int | None:
        if process.poll() is not None:
            raise AssertionError(f"hookdesk serve exited: {log.read_text()}")
        try:
            return httpx.get(f"{url}/healthz", timeout=2).status_code
        except httpx.TransportError:
            return None

    try:
        wait_until(health, lambda status: status == 200, "hookdesk serve to start", timeout=30)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
            raise AssertionError(f"hookdesk serve did not stop: {log.read_text()}") from None


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    seconds: float


def readyz(url: str) -> Answer:
    started = time.monotonic()
    response = httpx.get(f"{url}/readyz", timeout=READY_DEADLINE + 5)
    return Answer(response.status_code, response.json(), time.monotonic() - started)


@pytest.mark.slow  # a process of its own
def test_readiness_follows_the_database_away_and_back(db: Database, tmp_path: Path) -> None:
    with (
        database_to_cut(db, tmp_path) as (database_url, outage),
        serving(database_url, tmp_path) as url,
    ):
        try:
            ready = wait_until(lambda: readyz(url), lambda a: a.status == 200, "readiness")
            assert ready.body == {"status": "ready", "checks": ALL_OK}

            outage.cut()
            away = wait_until(lambda: readyz(url), lambda a: a.status == 503, "the outage to show")
            assert away.seconds < READY_DEADLINE + 1  # bounded, never hanging
            assert away.body["status"] == "unready"
            checks = away.body["checks"]
            assert checks["database"] != "ok"
            assert checks == {"database": checks["database"], "schema": UNKNOWN, "dispatcher": "ok"}
            assert httpx.get(f"{url}/healthz", timeout=5).status_code == 200
            scraped = parse(httpx.get(f"{url}/metrics", timeout=READY_DEADLINE + 5).text)
            assert scraped.value("hookdesk_database_up") == 0

            outage.restore()
            back = wait_until(lambda: readyz(url), lambda a: a.status == 200, "readiness again")
            assert back.body == {"status": "ready", "checks": ALL_OK}
            scraped = parse(httpx.get(f"{url}/metrics", timeout=READY_DEADLINE + 5).text)
            assert scraped.value("hookdesk_database_up") == 1
        finally:
            outage.restore()

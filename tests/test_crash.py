"""A crash between change and commit leaves neither the change nor its event; after a commit, both.

A child process (this module, run with `python -m tests.test_crash`) opens the database, makes a
real ticket change through the service layer in a write transaction (the service writes the event
in that same transaction), flushes, reports what it wrote on stdout, and dies: by `os._exit(1)`, or
by the parent's SIGKILL while its transaction is still open. The parent checks that the killed
transaction held its locks and that after the death nothing of it is left: no row, no event, no
lock, and the database takes the next change as usual.
"""

import json
import os
import selectors
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn
from uuid import UUID

import pytest
from httpx import Response
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from hookdesk.config import Settings
from hookdesk.db import Base, Database
from hookdesk.migrations import models as all_models
from hookdesk.models.clients import Client
from hookdesk.models.tickets import Reply, Ticket
from hookdesk.models.webhooks import OutboxEvent
from hookdesk.tickets import service
from hookdesk.tickets.schemas import ReplyCreate, TicketCreate
from hookdesk.webhooks.catalog import EventType
from hookdesk.webhooks.payloads import ticket_object
from tests.support.api import Api, JsonObject, as_in_events
from tests.support.waiting import wait_until

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
FLUSHED = "FLUSHED"  # the child's change and event are flushed, the transaction is still open
COMMITTED = "COMMITTED"  # the child's transaction has committed
CHILD_REPLY = "Written by a process that is about to die."
CHILD_DESCRIPTION = "Opened by a process that is about to die."
MARKER_TIMEOUT = 60.0
DEATH_TIMEOUT = 10.0

assert all_models.__all__  # every table is in Base.metadata, for the row counts below


# --- the child ------------------------------------------------------------------------------


def child_main(argv: list[str]) -> None:
    """`change phase ending url account_id public_url target`, where `change` is create (target:
    `client_id,category_id`) or reply (target: the ticket id), `phase` is FLUSHED or COMMITTED
    (when to report and die) and `ending` is exit (`os._exit(1)`) or wait (for the SIGKILL)."""
    change, phase, ending, url, account_id, public_url, target = argv
    database = Database(url)
    scope = service.TicketScope(account_id=account_id, public_url=public_url)
    with database.transaction() as session:
        backend_pid = None
        if not database.is_sqlite:
            backend_pid = session.scalar(text("SELECT pg_backend_pid()"))
        if change == "create":
            client_id, category_id = target.split(",")
            data = TicketCreate(
                client_id=UUID(client_id),
                title="Crash test",
                description=CHILD_DESCRIPTION,
                category=UUID(category_id),
                is_client_reply=True,
            )
            view = service.create(session, scope, data)
        else:
            body = ReplyCreate(reply=CHILD_REPLY, is_client_reply=True)
            view = service.reply(session, scope, target, body)
        session.flush()
        # The event, as this transaction sees it: written with the change, not committed yet.
        latest = (
            select(OutboxEvent)
            .where(OutboxEvent.ticket_id == view.id)
            .order_by(OutboxEvent.id.desc())
        )
        event = session.scalars(latest).first()
        assert event is not None
        report = {
            "ticket": ticket_object(view),
            "reply_id": view.replies[-1].id,
            "event": {"id": event.id, "event_type": event.event_type, "data": event.data},
            "backend_pid": backend_pid,
        }
        if phase == FLUSHED:
            _report_and_die(phase, report, ending)
    _report_and_die(phase, report, ending)


def _report_and_die(phase: str, report: JsonObject, ending: str) -> NoReturn:
    print(phase, json.dumps(report), flush=True)
    if ending == "wait":
        time.sleep(120)  # the parent kills us long before; never commit (os._exit skips it)
    os._exit(1)


# --- the parent -----------------------------------------------------------------------------


@contextmanager
def child(*args: str) -> Iterator[subprocess.Popen[str]]:
    command = [sys.executable, "-m", "tests.test_crash", *args]
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=DEATH_TIMEOUT)
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()
        process.stderr.close()


def wait_for(process: subprocess.Popen[str], phase: str) -> JsonObject:
    """The report the child prints at `phase`; fails with its stderr if it never comes."""
    assert process.stdout is not None and process.stderr is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        ready = selector.select(timeout=MARKER_TIMEOUT)
    line = process.stdout.readline() if ready else ""
    if not line.startswith(f"{phase} "):
        if process.poll() is None:
            process.kill()
        process.wait(timeout=DEATH_TIMEOUT)
        pytest.fail(f"the child did not report {phase}: {line!r}\n{process.stderr.read()}")
    report: JsonObject = json.loads(line.removeprefix(f"{phase} "))
    return report


def make_die(process: subprocess.Popen[str], ending: str) -> None:
    if ending == "wait":
        assert process.poll() is None, "the child died before it was killed"
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=DEATH_TIMEOUT) == -signal.SIGKILL
    else:
        assert process.wait(timeout=DEATH_TIMEOUT) == 1


def row_counts(db: Database) -> dict[str, int]:
    with db.transaction(write=False) as session:
        return {
            table.name: session.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


def wait_until_backend_gone(db: Database, pid: int) -> None:
    """Waits for the server to end the dead child's backend and its locks."""
    wait_until(
        lambda: backend_lingers(db, pid),
        lambda lingers: not lingers,
        what=f"the dead child's backend {pid} to end",
        timeout=DEATH_TIMEOUT,
    )


def backend_lingers(db: Database, pid: int) -> bool:
    with db.transaction(write=False) as session:
        activity = "SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"
        locks = "SELECT count(*) FROM pg_locks WHERE pid = :pid"
        return bool(
            session.scalar(text(activity), {"pid": pid})
            or session.scalar(text(locks), {"pid": pid})
        )


def pg_transaction_of(db: Database, pid: int) -> tuple[str | None, int]:
    """The backend's state and how many locks on transaction ids it holds."""
    with db.transaction(write=False) as session:
        state = session.scalar(
            text("SELECT state FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
        )
        held = session.scalar(
            text(
                "SELECT count(*) FROM pg_locks "
                "WHERE pid = :pid AND locktype = 'transactionid' AND granted"
            ),
            {"pid": pid},
        )
        return state, held or 0


def can_write(db: Database, locked: tuple[type[Any], str]) -> bool:
    """Whether a writer gets in at once: the row lock (PostgreSQL) or the write lock (SQLite)."""
    if db.is_sqlite:
        path = make_url(db.url).database
        assert path is not None
        connection = sqlite3.connect(path, timeout=0.05, isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            assert "locked" in str(error)
            return False
        else:
            connection.execute("ROLLBACK")
            return True
        finally:
            connection.close()
    model, row_id = locked
    try:
        with db.transaction() as session:
            statement = select(model.id).where(model.id == row_id).with_for_update(nowait=True)
            assert session.scalar(statement) == row_id
    except OperationalError as error:
        assert "could not obtain lock" in str(error)
        return False
    return True


def setup(api: Api, change: str) -> tuple[JsonObject, JsonObject, JsonObject | None]:
    """A client and a category, and for a reply the ticket it goes to."""
    client, category = api.client(), api.category()
    if change == "create":
        return client, category, None
    return client, category, api.ticket(client_id=client["id"], category=category["id"])


def outbox(api: Api) -> list[tuple[int, str, str]]:
    return [(e.id, e.event_type, e.data) for e in api.events()]


def retrieve(api: Api, ticket_id: str) -> Response:
    return api.get(f"/v2/agency/tickets/retrieve/{ticket_id}")


@pytest.fixture
def public_url(settings: Settings) -> str:
    return settings.public_url


@pytest.mark.parametrize("ending", ["exit", "wait"])
@pytest.mark.parametrize("change", ["create", "reply"])
def test_crash_before_commit_leaves_neither_change_nor_event(
    api: Api, db: Database, public_url: str, change: str, ending: str
) -> None:
    client, category, ticket = setup(api, change)
    target = ticket["id"] if ticket else f"{client['id']},{category['id']}"
    events_before = outbox(api)
    counts_before = row_counts(db)
    # The row the child's transaction locks on PostgreSQL: the ticket it replies to, or the client
    # its new ticket refers to (the foreign key check takes a key-share lock on it).
    locked = (Ticket, ticket["id"]) if ticket else (Client, client["id"])
    assert can_write(db, locked)

    with child(change, FLUSHED, ending, db.url, api.account_id, public_url, target) as process:
        report = wait_for(process, FLUSHED)
        # The child did write the change and its event, in the transaction it is about to lose.
        written = report["ticket"]
        event_type = EventType.TICKET_CREATED if change == "create" else EventType.TICKET_UPDATED
        assert report["event"]["event_type"] == event_type
        assert json.loads(report["event"]["data"])["ticket"] == written
        assert written["replies"][-1]["text"] == (
            CHILD_DESCRIPTION if change == "create" else CHILD_REPLY
        )
        if ticket:
            assert written["id"] == ticket["id"]
            assert len(written["replies"]) == len(ticket["replies"]) + 1
        if ending == "wait":
            # Still open: nobody sees the change, and the transaction holds its locks.
            seen = retrieve(api, written["id"])
            assert seen.status_code == (404 if change == "create" else 200)
            if ticket:
                assert api.ok(seen, "ticket") == ticket
            assert outbox(api) == events_before
            assert not can_write(db, locked)
            if not db.is_sqlite:
                state, held = pg_transaction_of(db, report["backend_pid"])
                assert state == "idle in transaction"
                assert held >= 1
        make_die(process, ending)

    if not db.is_sqlite:
        wait_until_backend_gone(db, report["backend_pid"])
    assert can_write(db, locked), "the dead child's transaction still holds its lock"
    with db.transaction(write=False) as session:
        assert session.get(OutboxEvent, report["event"]["id"]) is None
        assert session.get(Reply, report["reply_id"]) is None
        if change == "create":
            assert session.get(Ticket, written["id"]) is None
    assert row_counts(db) == counts_before
    assert outbox(api) == events_before
    seen = retrieve(api, written["id"])
    if ticket:
        assert api.ok(seen, "ticket") == ticket
    else:
        assert seen.status_code == 404

    # The database takes the next change as usual: it commits with exactly one event.
    if ticket:
        body = {"reply": "After the crash.", "is_client_reply": False}
        response = api.post(f"/v2/agency/tickets/reply/create/{ticket['id']}", body)
        after = api.ok(response, "ticket")
        assert [r["text"] for r in after["replies"]] == [
            *(r["text"] for r in ticket["replies"]),
            "After the crash.",
        ]
    else:
        after = api.ticket(client_id=client["id"], category=category["id"])
    events = api.events()
    assert outbox(api)[:-1] == events_before
    assert events[-1].event_type == event_type
    assert events[-1].ticket_id == after["id"]
    assert json.loads(events[-1].data)["ticket"] == as_in_events(after)
    assert api.ok(retrieve(api, after["id"]), "ticket") == after


@pytest.mark.parametrize("ending", ["exit", "wait"])
@pytest.mark.parametrize("change", ["create", "reply"])
def test_crash_after_commit_keeps_both_change_and_event(
    api: Api, db: Database, public_url: str, change: str, ending: str
) -> None:
    client, category, ticket = setup(api, change)
    target = ticket["id"] if ticket else f"{client['id']},{category['id']}"
    events_before = outbox(api)
    counts_before = row_counts(db)

    with child(change, COMMITTED, ending, db.url, api.account_id, public_url, target) as process:
        report = wait_for(process, COMMITTED)
        make_die(process, ending)

    if not db.is_sqlite:
        wait_until_backend_gone(db, report["backend_pid"])
    written = report["ticket"]
    assert written["replies"][-1]["text"] == (
        CHILD_DESCRIPTION if change == "create" else CHILD_REPLY
    )
    assert as_in_events(api.ok(retrieve(api, written["id"]), "ticket")) == written
    events = api.events()
    assert outbox(api)[:-1] == events_before
    event = events[-1]
    assert event.id == report["event"]["id"]
    assert event.data == report["event"]["data"]
    assert event.ticket_id == written["id"]
    data = json.loads(event.data)
    assert data["ticket"] == written
    if change == "create":
        assert event.event_type == EventType.TICKET_CREATED
        assert list(data) == ["ticket"]
    else:
        assert ticket is not None
        assert event.event_type == EventType.TICKET_UPDATED
        assert data["reply"] == written["replies"][-1]
        assert written["replies"][:-1] == ticket["replies"]
    with db.transaction(write=False) as session:
        assert session.get(Reply, report["reply_id"]) is not None
    counts = row_counts(db)
    assert counts["events"] == counts_before["events"] + 1
    assert counts["replies"] == counts_before["replies"] + 1
    assert counts["tickets"] == counts_before["tickets"] + (change == "create")

    # And the next change goes through as usual.
    response = api.post(f"/v2/agency/tickets/resolve/{written['id']}", {"by_client": False})
    resolved = api.ok(response, "ticket")
    assert resolved["is_open"] is False
    assert [e.event_type for e in api.events()[len(events) :]] == [EventType.TICKET_RESOLVED]


if __name__ == "__main__":
    child_main(sys.argv[1:])

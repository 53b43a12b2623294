"""A transaction that need not be durable commits without waiting for the disk (PostgreSQL's
synchronous_commit off, SQLite's synchronous NORMAL), and only that transaction: the next one on
the same connection waits again. The dispatcher claims that way and records durably."""

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Connection, Integer, column, select, text, update

from hookdesk.db import Database, direct
from hookdesk.models.webhooks import WebhookEvent
from hookdesk.webhooks.dispatch.webhook_channel import WebhookChannel
from tests.support.in_process import endpoints_with_events, limits, running, until
from tests.support.sending import GatedSender

# 2 is FULL, the setting of these tests' databases; 1 is NORMAL
_SYNCHRONOUS = text("PRAGMA synchronous").columns(column("synchronous", Integer))
_SYNCHRONOUS_COMMIT = text("SHOW synchronous_commit").columns(column("synchronous_commit"))


def waits_for_the_disk(unit: Connection | direct.Unit, db: Database) -> bool:
    """In a Connection's transaction, a Session's, or the driver's own (a dispatcher's claim)."""
    statement, waits = (_SYNCHRONOUS, 2) if db.is_sqlite else (_SYNCHRONOUS_COMMIT, "on")
    if isinstance(unit, Connection):
        [(setting,)] = unit.execute(statement).all()
    else:
        [(setting,)] = direct.execute(unit, statement, {})
    return bool(setting == waits)


@contextmanager
def dispatcher_units(seen: Callable[[str, direct.Unit], None]) -> Iterator[None]:
    """While the block runs, `seen("claim" or "record", session)` at each claim of webhook
    deliveries and each record of their attempts, in its unit of work."""
    originals = {what: getattr(WebhookChannel, what) for what in ("claim", "record")}

    def watched(what: str) -> Callable[..., Any]:
        def in_unit_of_work(
            channel: WebhookChannel, session: direct.Unit, *args: Any, **kwargs: Any
        ) -> Any:
            seen(what, session)
            return originals[what](channel, session, *args, **kwargs)

        return in_unit_of_work

    for what in originals:
        setattr(WebhookChannel, what, watched(what))
    try:
        yield
    finally:
        for what, original in originals.items():
            setattr(WebhookChannel, what, original)


def test_only_the_transaction_that_need_not_be_durable_skips_the_wait(db: Database) -> None:
    with db.engine.connect() as connection:  # one connection throughout
        seen = []
        for durable in (True, False, True, False, False, True):
            with connection.execution_options(durable=durable).begin():
                seen.append(waits_for_the_disk(connection, db))
        assert seen == [True, False, True, False, False, True]


def test_what_a_transaction_not_durable_wrote_is_committed(db: Database) -> None:
    endpoints_with_events(db, [1])
    with db.transaction(durable=False) as session:
        assert not waits_for_the_disk(session.connection(), db)
        session.execute(update(WebhookEvent).values(status="delivered"))
    with db.transaction() as session:
        assert waits_for_the_disk(session.connection(), db)
    with db.read() as session:
        assert list(session.scalars(select(WebhookEvent.status))) == ["delivered"]


async def test_the_dispatcher_claims_without_waiting_for_the_disk_and_records_durably(
    db: Database,
) -> None:
    endpoints_with_events(db, [2])
    durability: list[tuple[str, bool]] = []  # (what, whether its commit waits for the disk)

    def note(what: str, unit: direct.Unit) -> None:
        durability.append((what, waits_for_the_disk(unit, db)))

    with dispatcher_units(note):
        sender = GatedSender()
        async with running(db, sender, limits()):
            await until(lambda: sender.waiting, lambda n: n == 2, "both sends in flight")
            sender.answer(2)
            await until(lambda: durability.count(("record", True)), bool, "the attempts recorded")
    assert ("claim", False) in durability
    assert ("claim", True) not in durability
    assert ("record", False) not in durability


@pytest.mark.parametrize("beside_the_api", [False, True])
async def test_the_dispatcher_claims_and_records_on_its_loop(
    db: Database, beside_the_api: bool
) -> None:
    # On PostgreSQL its transactions are awaited on the loop (db/on_loop.py), with no worker
    # thread to hand the GIL to at every statement; on SQLite they run there too while no other
    # writer holds the write lock (Database.write_at_once), as here, unless the dispatcher
    # shares its loop with the API.
    endpoints_with_events(db, [1])
    threads: set[tuple[str, bool]] = set()  # (what, on the loop's thread)
    loop_thread = threading.get_ident()

    def note(what: str, _unit: direct.Unit) -> None:
        threads.add((what, threading.get_ident() == loop_thread))

    with dispatcher_units(note):
        sender = GatedSender()
        async with running(db, sender, limits(), beside_the_api=beside_the_api):
            await until(lambda: sender.waiting, lambda n: n == 1, "the send in flight")
            sender.answer(1)
            await until(lambda: {w for w, _ in threads}, {"claim", "record"}.__eq__, "recorded")
    on_loop = not (db.is_sqlite and beside_the_api)
    assert threads == {("claim", on_loop), ("record", on_loop)}

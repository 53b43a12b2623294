"""A commit wakes whoever waits for what it wrote: the dispatcher only when it queued work the
dispatcher can do, the live streams whenever it wrote an event; a rollback wakes no one."""

import asyncio
from typing import Any

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from hookdesk.db import Database
from hookdesk.db.wakeup import CHANNEL, DEFAULT_MAIL_PAYLOAD, Wake, request_wakeup
from hookdesk.models.webhooks import OutboxEvent
from hookdesk.webhooks.dispatch import dispatcher as dispatching
from hookdesk.webhooks.dispatch.webhook_channel import WebhookChannel
from hookdesk.webhooks.outbox import live as streams
from tests.support.api import Api
from tests.support.receivers import Receiver
from tests.support.webhooks import endpoint

PATIENCE = 30.0  # seconds before giving up on something that should come at once
CREATED = "whitelabel.ticket.created"


@pytest.fixture
def only_wakeups(monkeypatch: pytest.MonkeyPatch) -> None:
    """No periodic looks, of the dispatcher nor of the streams: only a wake-up in this process
    makes either read. The dispatcher's LISTEN, which hears each of this process's commits a
    second time, is left out too, so that every claim has its one cause."""
    monkeypatch.setattr(dispatching, "IDLE_POLL", 3600.0)
    monkeypatch.setattr(streams, "POLL_SECONDS", 3600.0)

    async def not_listening(*args: Any, **kwargs: Any) -> None:
        pass

    monkeypatch.setattr(dispatching, "listen_for_wakeups", not_listening)


@pytest.fixture
def claims(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per claim of webhook deliveries the dispatcher makes (one per claim transaction)."""
    made: list[int] = []
    claim = WebhookChannel.claim

    def counted(self: WebhookChannel, *args: Any, **kwargs: Any) -> Any:
        made.append(1)
        return claim(self, *args, **kwargs)

    monkeypatch.setattr(WebhookChannel, "claim", counted)
    return made


async def test_a_create_with_nothing_to_send_wakes_the_stream_and_not_the_dispatcher(
    only_wakeups: None, claims: list[int], live: Api, db: Database, receiver: Receiver
) -> None:
    # No endpoint, and no SMTP server for the notification the create queues for the client.
    client_id, category_id = live.client()["id"], live.category()["id"]
    seen: asyncio.Queue[OutboxEvent] = asyncio.Queue()

    async def stream() -> None:
        async for event in streams.follow(
            db,
            account_id=live.account_id,
            after_seq=0,
            event_types=[CREATED],
            disconnected=_never,
        ):
            if event is not None:
                seen.put_nowait(event)

    following = asyncio.create_task(stream())
    await asyncio.sleep(0)  # the stream's listener is added before its first read
    try:
        before = len(claims)
        ticket = await asyncio.to_thread(live.ticket, client_id=client_id, category=category_id)
        event = await asyncio.wait_for(seen.get(), PATIENCE)
        assert event.ticket_id == ticket["id"]
        # A create that does queue a delivery wakes the dispatcher: exactly one claim in all.
        endpoint(live, receiver.url, events=[CREATED])
        await asyncio.to_thread(live.ticket, client_id=client_id, category=category_id)
        await asyncio.to_thread(receiver.wait_for, 1)
        assert len(claims) == before + 1
    finally:
        following.cancel()


async def _never() -> bool:
    return False


def test_a_rolled_back_transaction_wakes_no_one_and_leaves_no_request(db: Database) -> None:
    woken: list[str] = []

    def dispatcher() -> None:
        woken.append("dispatcher")

    def stream() -> None:
        woken.append("stream")

    db.add_wakeup_listener(dispatcher, Wake.DELIVERIES)
    db.add_wakeup_listener(stream, Wake.EVENTS)
    try:
        _commits(db)
    finally:
        db.remove_wakeup_listener(dispatcher)
        db.remove_wakeup_listener(stream)
    assert woken == ["stream", "dispatcher"]


def _commits(db: Database) -> None:
    with pytest.raises(RuntimeError), db.write() as session:
        request_wakeup(session, Wake.DELIVERIES | Wake.EVENTS)
        raise RuntimeError
    with db.write() as session:
        session.execute(text("SELECT 1"))
    with db.write() as session:
        request_wakeup(session, Wake.EVENTS)
    with db.write() as session:
        request_wakeup(session, Wake.DELIVERIES)


def test_one_notify_per_transaction_and_kind_and_none_after_a_rollback(db: Database) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite has no LISTEN/NOTIFY")
    conninfo = make_url(db.url).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(conninfo, autocommit=True) as listening:
        listening.execute(f"LISTEN {CHANNEL}")
        with pytest.raises(RuntimeError), db.write() as session:
            request_wakeup(session, Wake.DELIVERIES)
            raise RuntimeError
        with db.write() as session:
            request_wakeup(session, Wake.EVENTS)  # the streams of other processes poll
            request_wakeup(session, Wake.DELIVERIES | Wake.EVENTS)
            request_wakeup(session, Wake.OWN_SERVER_MAIL)
            request_wakeup(session, Wake.DEFAULT_SERVER_MAIL)
            request_wakeup(session, Wake.DELIVERIES)
        with db.write() as session:
            session.execute(text(f"NOTIFY {CHANNEL}, 'end'"))
        payloads = []
        for notification in listening.notifies(timeout=PATIENCE):
            if notification.payload == "end":
                break
            payloads.append(notification.payload)
    assert payloads == ["", DEFAULT_MAIL_PAYLOAD]

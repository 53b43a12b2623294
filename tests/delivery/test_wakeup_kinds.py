"""A commit wakes whoever waits for what it wrote: the dispatcher only when it queued work the
dispatcher can do, and then only to claim from the channels that send that work; the live
streams whenever it wrote an event; a rollback wakes no one."""

import asyncio
from typing import Any

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from hookdesk.db import Database
from hookdesk.db.wakeup import CHANNEL, PAYLOADS, Wake, request_wakeup
from hookdesk.mail.channel import MailChannel
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


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of each channel the dispatcher's claims ask, as asked, and "end" once each claim
    transaction is over."""
    made: list[str] = []
    for kind in (WebhookChannel, MailChannel):

        def counted(self: Any, *args: Any, _claim: Any = kind.claim, **kwargs: Any) -> Any:
            made.append(self.name)
            return _claim(self, *args, **kwargs)

        monkeypatch.setattr(kind, "claim", counted)
    claim = dispatching.Dispatcher._claim

    async def ended(self: dispatching.Dispatcher, *args: Any, **kwargs: Any) -> Any:
        try:
            return await claim(self, *args, **kwargs)
        finally:
            made.append("end")

    monkeypatch.setattr(dispatching.Dispatcher, "_claim", ended)
    return made


async def _next_claim(asked: list[str]) -> list[str]:
    """The channels the next claim to begin asks, in the order asked."""
    return (await _claims_until(asked, set()))[0]


async def _claims_until(asked: list[str], channels: set[str]) -> list[list[str]]:
    """The claims from the next to begin on, until they have asked each of `channels`."""
    start = len(asked)
    if asked[start - 1 :] not in ([], ["end"]):  # one in progress: the next begins after it
        start = await _end_from(asked, start) + 1
    made: list[list[str]] = []
    while not made or not channels <= {name for claim in made for name in claim}:
        end = await _end_from(asked, start)
        made.append(asked[start:end])
        start = end + 1
    return made


async def _end_from(asked: list[str], start: int) -> int:
    while "end" not in asked[start:]:
        await asyncio.sleep(0.01)
    return asked.index("end", start)


async def test_a_commit_wakes_a_claim_of_the_channels_that_send_what_it_queued_only(
    only_wakeups: None, asked: list[str], live: Api, db: Database
) -> None:
    await _settled(asked, db, listening=False)  # `live` has no default SMTP server
    for queued, channels in (
        (Wake.DELIVERIES, ["webhooks"]),
        (Wake.OWN_SERVER_MAIL, ["mail"]),
        (Wake.DELIVERIES | Wake.EVENTS, ["webhooks"]),
        (Wake.DEFAULT_SERVER_MAIL | Wake.OWN_SERVER_MAIL, ["mail"]),
        (Wake.DELIVERIES | Wake.OWN_SERVER_MAIL, ["mail", "webhooks"]),
    ):
        claims = asyncio.create_task(_claims_until(asked, set(channels)))
        await asyncio.sleep(0)
        with db.write() as session:
            request_wakeup(session, queued)
        # One claim, or one per NOTIFY when PostgreSQL's come apart: none of another channel.
        made = await asyncio.wait_for(claims, PATIENCE)
        assert sorted({name for claim in made for name in claim}) == channels, (queued, made)
    # Mail only the server's default sends, which this dispatcher cannot, wakes no claim: the
    # next claim is the next commit's.
    claim = asyncio.create_task(_next_claim(asked))
    await asyncio.sleep(0)
    for queued in (Wake.DEFAULT_SERVER_MAIL, Wake.EVENTS, Wake.DELIVERIES):
        with db.write() as session:
            request_wakeup(session, queued)
    assert await asyncio.wait_for(claim, PATIENCE) == ["webhooks"]


async def test_every_channel_is_asked_once_in_an_idle_poll_whatever_woke_the_claims(
    monkeypatch: pytest.MonkeyPatch, asked: list[str], live: Api, db: Database
) -> None:
    # What another process queued on SQLite wakes no one here: the periodic look finds it.
    await _settled(asked, db, listening=not db.is_sqlite)
    monkeypatch.setattr(dispatching, "IDLE_POLL", 0.2)
    while True:
        claim = asyncio.create_task(_next_claim(asked))
        await asyncio.sleep(0)
        with db.write() as session:
            request_wakeup(session, Wake.DELIVERIES)
        channels = await asyncio.wait_for(claim, PATIENCE)
        if channels != ["webhooks"]:
            break
    assert sorted(channels) == ["mail", "webhooks"]


async def _settled(asked: list[str], db: Database, *, listening: bool) -> None:
    """Once the dispatcher's first looks at every channel are over: its first claim, and when
    `listening` (PostgreSQL's LISTEN) the one it makes once listening, for what came before."""
    await asyncio.wait_for(_end_from(asked, 0), PATIENCE)
    if listening:
        await asyncio.wait_for(_until_listening(db), PATIENCE)
    while True:  # until a commit's claim asks for deliveries alone
        claims = asyncio.create_task(_claims_until(asked, {"webhooks"}))
        await asyncio.sleep(0)
        with db.write() as session:
            request_wakeup(session, Wake.DELIVERIES)
        if await asyncio.wait_for(claims, PATIENCE) == [["webhooks"]]:
            return


async def _until_listening(db: Database) -> None:
    listening = text(
        "SELECT 1 FROM pg_stat_activity"
        f" WHERE datname = current_database() AND query = 'LISTEN {CHANNEL}'"
    )
    while True:
        with db.read() as session:
            if session.execute(listening).first() is not None:
                return
        await asyncio.sleep(0.01)


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
    woken: list[tuple[str, Wake]] = []

    def dispatcher(queued: Wake) -> None:
        woken.append(("dispatcher", queued))

    def stream(events: Wake) -> None:
        woken.append(("stream", events))

    db.add_wakeup_listener(dispatcher, Wake.DELIVERIES | Wake.OWN_SERVER_MAIL)
    db.add_wakeup_listener(stream, Wake.EVENTS)
    try:
        _commits(db)
    finally:
        db.remove_wakeup_listener(dispatcher)
        db.remove_wakeup_listener(stream)
    # Each told what it waits for of what the commit asked.
    assert woken == [
        ("stream", Wake.EVENTS),
        ("dispatcher", Wake.DELIVERIES),
        ("stream", Wake.EVENTS),
    ]


def _commits(db: Database) -> None:
    with pytest.raises(RuntimeError), db.write() as session:
        request_wakeup(session, Wake.DELIVERIES | Wake.EVENTS)
        raise RuntimeError
    with db.write() as session:
        session.execute(text("SELECT 1"))
    with db.write() as session:
        request_wakeup(session, Wake.EVENTS)
    with db.write() as session:
        request_wakeup(session, Wake.DELIVERIES | Wake.DEFAULT_SERVER_MAIL | Wake.EVENTS)


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
    assert payloads == [
        PAYLOADS[Wake.DELIVERIES],
        PAYLOADS[Wake.OWN_SERVER_MAIL],
        PAYLOADS[Wake.DEFAULT_SERVER_MAIL],
    ]

"""The dispatcher in this process, with a fake sender and a fake clock: its concurrency caps, its
backlog, its shutdown and its retries, without sockets or waiting for real retry delays."""

import asyncio
import time
from typing import Any

import pytest
from sqlalchemy import select

from hookdesk.db import Database
from hookdesk.models.webhooks import WebhookEvent
from hookdesk.webhooks.dispatch import dispatcher as dispatching
from hookdesk.webhooks.dispatch.webhook_channel import WebhookChannel
from tests.support.in_process import endpoints_with_events, limits, running, until
from tests.support.sending import GatedSender
from tests.support.waiting import wait_until


def events(db: Database) -> list[WebhookEvent]:
    with db.read() as session:
        return list(session.scalars(select(WebhookEvent).order_by(WebhookEvent.created_at)))


async def answer_until_delivered(db: Database, sender: GatedSender, count: int) -> None:
    """Answer every send until `count` were, then wait for all `count` events to be delivered."""
    while len(sender.sent) < count:
        sender.answer(sender.waiting)
        await asyncio.sleep(0)
    await until(
        lambda: [e.status for e in events(db)],
        lambda seen: seen == ["delivered"] * count,
        "every event delivered",
    )


@pytest.fixture
def record_batches(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of each batch of attempts the dispatcher records, one per transaction."""
    sizes: list[int] = []
    record = WebhookChannel.record

    def counted(self: WebhookChannel, session: Any, finished: Any, **kwargs: Any) -> Any:
        sizes.append(len(finished))
        return record(self, session, finished, **kwargs)

    monkeypatch.setattr(WebhookChannel, "record", counted)
    return sizes


@pytest.fixture
def only_backlog_wakes(monkeypatch: pytest.MonkeyPatch) -> None:
    """No periodic look for due deliveries: a new claim can only come from a finished send."""
    monkeypatch.setattr(dispatching, "IDLE_POLL", 3600.0)


async def test_at_most_the_caps_are_in_flight_and_a_finished_send_makes_room(
    db: Database, only_backlog_wakes: None
) -> None:
    busy, quiet = endpoints_with_events(db, [4, 1])
    sender = GatedSender()
    async with running(db, sender, limits(concurrency=3, per_endpoint=2)):
        await until(lambda: sender.waiting, lambda n: n == 3, "three sends in flight")
        assert sender.most_per_endpoint == {busy: 2, quiet: 1}
        sender.answer(endpoint_id=busy)  # room for one more, and the busy endpoint has more due
        await until(lambda: len(sender.sent), lambda n: n == 1, "the first answer")
        await until(lambda: sender.waiting, lambda n: n == 3, "the freed room taken again")
        await answer_until_delivered(db, sender, 5)
    assert sender.most_in_flight == 3
    assert sender.most_per_endpoint[busy] == 2


async def test_on_stop_an_answered_send_is_recorded_and_an_unanswered_one_handed_back(
    db: Database,
) -> None:
    endpoints_with_events(db, [2])
    sender = GatedSender()
    async with running(db, sender, limits(shutdown=1.0)) as stop:
        await until(lambda: sender.waiting, lambda n: n == 2, "both sends in flight")
        answered = sender.held[0].request
        stop.set()
        sender.answer(1)
    by_id = {e.id: e for e in events(db)}
    delivered = by_id.pop(answered.headers["webhook-id"])
    assert (delivered.status, delivered.attempt_count) == ("delivered", 1)
    [handed_back] = by_id.values()
    assert (handed_back.status, handed_back.attempt_count) == ("pending", 0)
    assert handed_back.lease_token is None


def leases(db: Database) -> dict[str, str | None]:
    """Each event's lease token, by id."""
    return {e.id: e.lease_token for e in events(db)}


async def test_it_claims_ahead_of_its_senders_and_keeps_each_cap_when_sending(
    db: Database, only_backlog_wakes: None
) -> None:
    [endpoint] = endpoints_with_events(db, [5])
    sender = GatedSender()
    async with running(db, sender, limits(concurrency=10, per_endpoint=2)):
        await until(lambda: sender.waiting, lambda n: n == 2, "the endpoint's two sends")
        # Twice the endpoint's cap is leased: two sent, two queued for the next free slots.
        await until(
            lambda: sum(token is not None for token in leases(db).values()),
            lambda n: n == 4,
            "four events leased",
        )
        assert sender.waiting == 2
        sender.answer()  # a queued event goes at once, and the claim takes the fifth
        await until(lambda: len(sender.sent), lambda n: n == 1, "the first answer")
        await until(lambda: sender.waiting, lambda n: n == 2, "a queued event sent")
        await answer_until_delivered(db, sender, 5)
    assert sender.most_per_endpoint[endpoint] == 2


async def test_a_row_queued_longer_than_its_lease_allows_is_handed_back_unsent(
    db: Database, only_backlog_wakes: None
) -> None:
    endpoints_with_events(db, [2])
    now = [time.time()]
    sender = GatedSender()
    async with running(db, sender, limits(per_endpoint=1, start_within=10), clock=lambda: now[0]):
        await until(lambda: sender.waiting, lambda n: n == 1, "the first send")
        sending = sender.held[0].request.headers["webhook-id"]
        [(queued, first_lease)] = [
            (id_, token) for id_, token in leases(db).items() if id_ != sending
        ]
        assert first_lease is not None  # claimed ahead of a free slot
        now[0] += 11  # the queued event's lease could no longer cover a whole send
        sender.answer()
        await until(lambda: sender.waiting, lambda n: n == 1, "the queued event sent")
        assert sender.held[0].request.headers["webhook-id"] == queued
        # Sent under a lease claimed again, not the one that had run short.
        assert leases(db)[queued] not in (None, first_lease)
        sender.answer()
        await until(
            lambda: [(e.status, e.attempt_count) for e in events(db)],
            lambda seen: seen == [("delivered", 1)] * 2,
            "both delivered, one attempt each",
        )


async def test_on_stop_a_row_claimed_ahead_is_handed_back_without_being_sent(
    db: Database,
) -> None:
    endpoints_with_events(db, [2])
    sender = GatedSender()
    async with running(db, sender, limits(per_endpoint=1, shutdown=5.0)) as stop:
        await until(lambda: sender.waiting, lambda n: n == 1, "the first send")
        await until(
            lambda: sum(token is not None for token in leases(db).values()),
            lambda n: n == 2,
            "the second event claimed ahead",
        )
        [queued] = [
            id_ for id_ in leases(db) if id_ != sender.held[0].request.headers["webhook-id"]
        ]
        stop.set()
        await until(lambda: leases(db)[queued], lambda token: token is None, "handed back")
        sender.answer()
    assert len(sender.sent) == 1
    by_status = sorted((e.status, e.attempt_count, e.lease_token) for e in events(db))
    assert by_status == [("delivered", 1, None), ("pending", 0, None)]


async def test_a_retry_falls_due_by_the_dispatchers_clock(db: Database) -> None:
    endpoints_with_events(db, [1])
    now = [time.time()]
    sender = GatedSender()
    async with running(db, sender, limits(), clock=lambda: now[0]):
        await until(lambda: sender.waiting, lambda n: n == 1, "the first attempt")
        sender.answer(status=503)
        [event] = await asyncio.to_thread(
            wait_until,
            lambda: events(db),
            lambda seen: seen[0].attempt_count == 1,
            what="the failed attempt recorded",
        )
        assert event.status == "pending"
        assert event.next_attempt_at is not None and event.next_attempt_at > now[0] + 50
        now[0] += 120  # the retry, a minute away, is due by the dispatcher's clock
        await until(lambda: sender.waiting, lambda n: n == 1, "the retry")
        sender.answer()
        await until(
            lambda: [(e.status, e.attempt_count) for e in events(db)],
            lambda seen: seen == [("delivered", 2)],
            "the retry delivered",
        )


async def test_a_commit_elsewhere_wakes_a_dispatcher_that_no_longer_polls(
    db: Database, only_backlog_wakes: None
) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite has no NOTIFY: a dispatcher elsewhere finds work by its periodic look")
    elsewhere = Database(db.url)  # another process, as far as in-process wake-ups go
    sender = GatedSender()
    try:
        async with running(db, sender, limits()):
            for count in (1, 2):
                await asyncio.to_thread(endpoints_with_events, elsewhere, [1])
                await until(lambda: sender.waiting, lambda n: n == 1, f"event {count} sent")
                sender.answer()
                await until(lambda: len(sender.sent), count.__eq__, f"event {count} done")
    finally:
        elsewhere.dispose()


async def test_attempts_that_finish_one_after_another_share_a_record(
    db: Database, record_batches: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Answered a loop's turn apart, each attempt would be a record of its own, were the first
    recorded as soon as it finished."""
    monkeypatch.setattr(dispatching, "RECORD_LINGER", 1.0)
    endpoints_with_events(db, [5])
    sender = GatedSender()
    async with running(db, sender, limits()):
        await until(lambda: sender.waiting, lambda n: n == 5, "five sends in flight")
        for _ in range(5):
            sender.answer()
            await asyncio.sleep(0)
        await answer_until_delivered(db, sender, 5)
    assert record_batches == [5]


async def test_a_full_batch_and_a_stop_are_recorded_without_waiting_out_the_linger(
    db: Database, record_batches: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dispatching, "RECORD_LINGER", 3600.0)
    endpoints_with_events(db, [4])
    sender = GatedSender()

    async def three_then_stop() -> None:
        async with running(db, sender, limits(batch=3)) as stop:
            await until(lambda: sender.waiting, lambda n: n == 4, "four sends in flight")
            sender.answer(3)
            await until(
                lambda: sorted(e.status for e in events(db)),
                lambda seen: seen == ["delivered"] * 3 + ["pending"],
                "a full batch recorded",
            )
            stop.set()
            sender.answer()

    await asyncio.wait_for(three_then_stop(), 60)
    assert [e.status for e in events(db)] == ["delivered"] * 4
    assert record_batches == [3, 1]

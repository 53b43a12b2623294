"""A resend is an attempt outside the retry schedule (webhooks/dispatch/resends.py): logged and
counted, but the schedule's next attempt and step stay; a successful one delivers. Claimed and
recorded as the dispatcher does, on SQLite and PostgreSQL alike."""

import random
import time

from sqlalchemy import func, select, update

from hookdesk.db import Database
from hookdesk.models.webhooks import Attempt, OutboxEvent, WebhookEndpoint, WebhookEvent
from hookdesk.webhooks.dispatch.claim import Claimed, claim
from hookdesk.webhooks.dispatch.record import Finished, Policy, record
from hookdesk.webhooks.dispatch.retry import Verdict
from hookdesk.webhooks.dispatch.sender import Result
from hookdesk.webhooks.log import service as log
from hookdesk.webhooks.statuses import WebhookEventStatus
from tests.support.api import Api
from tests.support.history import endpoint, history

SCHEDULE = Policy((60.0, 600.0), 30 * 24 * 3600.0)


def one_delivery(db: Database, api: Api, status: str, next_attempt_at: float | None) -> str:
    endpoint_id = endpoint(db, api.account_id)
    [delivery_id] = history(
        db, api.account_id, endpoint_id, created_at=int(time.time()), count=1, status=status
    ).delivery_ids
    with db.write() as session:
        session.execute(
            update(WebhookEvent)
            .where(WebhookEvent.id == delivery_id)
            .values(next_attempt_at=next_attempt_at)
        )
    return delivery_id


def resend_and_send(db: Database, api: Api, delivery_id: str, status_code: int) -> Verdict:
    """Resend through the event log's service, then claim and record as a dispatcher would."""
    with db.write() as session:
        log.resend(session, account_id=api.account_id, event_id=delivery_id)
    [claimed] = claimed_now(db)
    assert claimed.delivery_id == delivery_id and claimed.resend
    return recorded(db, claimed, status_code)


def claimed_now(db: Database) -> list[Claimed]:
    with db.write() as session:
        now = time.time()
        taken = claim(
            session, now=now, lease_seconds=60.0, limit=10, endpoint_room={}, endpoint_cap=4
        )
        return taken.claimed


def recorded(db: Database, claimed: Claimed, status_code: int) -> Verdict:
    result = Result(status_code, 5, response_body="answer", error=None)
    if status_code >= 300:
        result = Result(status_code, 5, response_body="answer", error=f"HTTP {status_code}")
    with db.write() as session:
        [(_finished, verdict)] = record(
            session,
            [Finished(claimed, result, time.time())],
            policy=SCHEDULE,
            now=time.time(),
            rng=random.Random(1),
        )
    return verdict


def stored(db: Database, delivery_id: str) -> WebhookEvent:
    with db.read() as session:
        delivery = session.get(WebhookEvent, delivery_id)
        assert delivery is not None
        session.expunge(delivery)
        return delivery


def attempts(db: Database, delivery_id: str) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).where(Attempt.delivery_id == delivery_id)) or 0


def test_a_failed_resend_keeps_the_next_automatic_attempt_and_its_step(
    api: Api, db: Database
) -> None:
    automatic = time.time() + 600.0  # the schedule's next attempt, 10 minutes away
    delivery_id = one_delivery(db, api, WebhookEventStatus.PENDING, automatic)

    with db.write() as session:
        log.resend(session, account_id=api.account_id, event_id=delivery_id)
    [claimed] = claimed_now(db)
    assert claimed.resend and claimed.scheduled_attempts == 1
    recorded(db, claimed, 500)

    after = stored(db, delivery_id)
    assert after.status == WebhookEventStatus.PENDING
    assert after.next_attempt_at == automatic  # not moved
    assert (after.attempt_count, after.resend_count) == (2, 1)
    assert after.resume_status is None and after.lease_token is None
    assert attempts(db, delivery_id) == 2  # the history's attempt and the resend
    with db.read() as session:
        marked = session.scalars(
            select(Attempt.resend).where(Attempt.delivery_id == delivery_id).order_by(Attempt.id)
        ).all()
    assert marked == [False, True]
    assert claimed_now(db) == []  # nothing due before the automatic attempt

    # The automatic attempt, when due, is the schedule's second: its failure waits the second
    # step (600 s), not the third, and it fails nothing for good.
    with db.write() as session:
        session.execute(
            update(WebhookEvent).where(WebhookEvent.id == delivery_id).values(next_attempt_at=0)
        )
    [scheduled] = claimed_now(db)
    assert not scheduled.resend and scheduled.scheduled_attempts == 1
    before = time.time()
    assert recorded(db, scheduled, 500) is Verdict.RETRY
    moved_on = stored(db, delivery_id)
    assert moved_on.attempt_count == 3
    assert moved_on.next_attempt_at is not None
    assert 540 <= moved_on.next_attempt_at - before <= 661  # 600 s ± 10%


def test_a_successful_resend_delivers_a_failed_delivery(api: Api, db: Database) -> None:
    delivery_id = one_delivery(db, api, WebhookEventStatus.FAILED, None)
    assert resend_and_send(db, api, delivery_id, 200) is Verdict.DELIVERED
    after = stored(db, delivery_id)
    assert (after.status, after.next_attempt_at) == (WebhookEventStatus.DELIVERED, None)
    assert (after.attempt_count, after.resend_count, after.resume_status) == (2, 1, None)


def test_a_successful_resend_of_a_pending_delivery_ends_its_retries(api: Api, db: Database) -> None:
    delivery_id = one_delivery(db, api, WebhookEventStatus.PENDING, time.time() + 600.0)
    resend_and_send(db, api, delivery_id, 204)
    after = stored(db, delivery_id)
    assert (after.status, after.next_attempt_at) == (WebhookEventStatus.DELIVERED, None)
    assert claimed_now(db) == []


def test_a_failed_resend_leaves_a_failed_or_delivered_delivery_as_it_was(
    api: Api, db: Database
) -> None:
    failed = one_delivery(db, api, WebhookEventStatus.FAILED, None)
    delivered = one_delivery(db, api, WebhookEventStatus.DELIVERED, None)
    for delivery_id, status in ((failed, "failed"), (delivered, "delivered")):
        resend_and_send(db, api, delivery_id, 503)
        after = stored(db, delivery_id)
        assert (after.status, after.next_attempt_at, after.attempt_count) == (status, None, 2)
    with db.read() as session:
        told = session.scalar(
            select(func.count()).where(OutboxEvent.event_type == "webhook_event.failed")
        )
    assert told == 0  # a resend never fails a delivery for good


def test_the_api_answers_a_resend_with_the_schedule_unchanged(api: Api, db: Database) -> None:
    automatic = time.time() + 600.0
    delivery_id = one_delivery(db, api, WebhookEventStatus.PENDING, automatic)
    answer = api.ok(api.post(f"/v2/webhook-events/resend/{delivery_id}"), "webhook_event")
    assert (answer["status"], answer["next_attempt_at"]) == ("pending", int(automatic))
    assert answer["attempt_count"] == 1
    failed = one_delivery(db, api, WebhookEventStatus.FAILED, None)
    answer = api.ok(api.post(f"/v2/webhook-events/resend/{failed}"), "webhook_event")
    assert (answer["status"], answer["next_attempt_at"]) == ("failed", None)


def test_a_resend_to_a_disabled_or_deleted_endpoint_is_refused(api: Api, db: Database) -> None:
    delivery_id = one_delivery(db, api, WebhookEventStatus.FAILED, None)
    endpoint_id = stored(db, delivery_id).endpoint_id
    path = f"/v2/webhook-events/resend/{delivery_id}"
    with db.write() as session:
        session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint_id)
            .values(status="disabled")
        )
    refused = api.post(path)
    assert (refused.status_code, refused.json()["error_code"]) == (400, 1002)
    assert "disabled" in refused.json()["error"]
    with db.write() as session:
        session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint_id)
            .values(status="enabled", deleted_at=int(time.time()))
        )
    assert "deleted" in api.post(path).json()["error"]
    after = stored(db, delivery_id)
    assert (after.status, after.resume_status, after.next_attempt_at) == ("failed", None, None)

"""Recording finished attempts (webhooks/dispatch/record.py): only the holder of a lease moves its delivery
on, and a delivery failed for good is told to the account only by that holder."""

import random
import time

from sqlalchemy import func, select, update

from hookdesk.db import Database
from hookdesk.models.webhooks import Attempt, OutboxEvent, WebhookEvent
from hookdesk.webhooks.dispatch.record import Finished, Policy, record
from hookdesk.webhooks.dispatch.retry import Verdict
from hookdesk.webhooks.statuses import WebhookEventStatus
from tests.support.api import Api
from tests.support.history import endpoint, finished_attempt, history

ONE_RETRY = Policy((60.0,), 3600.0)  # a second failed attempt fails the delivery for good


def leased(db: Database, account_id: str, endpoint_id: str, count: int) -> list[str]:
    ids = history(
        db,
        account_id,
        endpoint_id,
        created_at=int(time.time()),
        count=count,
        status=WebhookEventStatus.PENDING,
    ).delivery_ids
    with db.write() as session:
        for delivery_id in ids:
            session.execute(
                update(WebhookEvent)
                .where(WebhookEvent.id == delivery_id)
                .values(lease_token=delivery_id)
            )
    return ids


def recorded(db: Database, batch: list[Finished]) -> list[Verdict]:
    with db.write() as session:
        done = record(session, batch, policy=ONE_RETRY, now=time.time(), rng=random.Random(1))
    return [verdict for _finished, verdict in done]


def test_each_held_delivery_moves_on_by_its_verdict(api: Api, db: Database) -> None:
    endpoint_id = endpoint(db, api.account_id)
    ok, retried, failed = leased(db, api.account_id, endpoint_id, 3)
    batch = [
        finished_attempt(api.account_id, endpoint_id, ok, token=ok, status=200),
        finished_attempt(
            api.account_id, endpoint_id, retried, token=retried, status=429, made_before=0
        ),
        finished_attempt(api.account_id, endpoint_id, failed, token=failed, status=500),  # last
    ]

    assert recorded(db, batch) == [Verdict.DELIVERED, Verdict.RETRY, Verdict.FAILED]

    with db.read() as session:
        rows = {
            row.id: row
            for row in session.execute(
                select(
                    WebhookEvent.id,
                    WebhookEvent.status,
                    WebhookEvent.attempt_count,
                    WebhookEvent.lease_token,
                )
            )
        }
        attempts = session.scalar(select(func.count()).select_from(Attempt))
        told = session.scalar(
            select(func.count()).where(OutboxEvent.event_type == "webhook_event.failed")
        )
    assert (rows[ok].status, rows[ok].attempt_count) == (WebhookEventStatus.DELIVERED, 2)
    assert (rows[retried].status, rows[retried].attempt_count) == (WebhookEventStatus.PENDING, 1)
    assert (rows[failed].status, rows[failed].attempt_count) == (WebhookEventStatus.FAILED, 2)
    assert all(row.lease_token is None for row in rows.values())
    assert attempts == 3 + 3  # history wrote one attempt each
    assert told == 1


def test_a_delivery_whose_lease_was_lost_keeps_its_newer_state(api: Api, db: Database) -> None:
    endpoint_id = endpoint(db, api.account_id)
    (delivery_id,) = leased(db, api.account_id, endpoint_id, 1)
    # Meanwhile resent: a new lease holder, or none.
    with db.write() as session:
        session.execute(
            update(WebhookEvent).where(WebhookEvent.id == delivery_id).values(lease_token="another")
        )

    lost = finished_attempt(api.account_id, endpoint_id, delivery_id, token=delivery_id, status=500)
    verdicts = recorded(db, [lost])

    assert verdicts == [Verdict.FAILED]  # what the attempt came to, recorded all the same
    with db.read() as session:
        status, token = session.execute(
            select(WebhookEvent.status, WebhookEvent.lease_token).where(
                WebhookEvent.id == delivery_id
            )
        ).one()
        attempts = session.scalar(select(func.count()).where(Attempt.delivery_id == delivery_id))
        told = session.scalar(
            select(func.count()).where(OutboxEvent.event_type == "webhook_event.failed")
        )
    assert (status, token) == (WebhookEventStatus.PENDING, "another")
    assert attempts == 2
    assert told == 0  # not this dispatcher's to tell

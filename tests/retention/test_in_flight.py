"""A delivery erased or purged while its request is in flight: its attempt is dropped, and the
attempts recorded beside it are kept."""

import random
import time

from sqlalchemy import delete, select, update

from hookdesk.db import Database
from hookdesk.models.webhooks import Attempt, WebhookEvent
from hookdesk.shared.clock import now
from hookdesk.webhooks.dispatch.record import Policy, record
from hookdesk.webhooks.statuses import WebhookEventStatus
from tests.support.api import Api
from tests.support.history import endpoint, finished_attempt, history


def test_an_attempt_of_a_vanished_delivery_is_dropped(api: Api, db: Database) -> None:
    endpoint_id = endpoint(db, api.account_id)
    written = history(
        db,
        api.account_id,
        endpoint_id,
        created_at=now(),
        count=2,
        status=WebhookEventStatus.PENDING,
        attempts_each=0,
    )
    kept, erased = written.delivery_ids
    with db.write() as session:
        session.execute(delete(WebhookEvent).where(WebhookEvent.id == erased))
        session.execute(
            update(WebhookEvent).where(WebhookEvent.id == kept).values(lease_token="token")
        )
    batch = [
        finished_attempt(api.account_id, endpoint_id, d, token="token", status=200)
        for d in (kept, erased)
    ]
    with db.write() as session:
        record(session, batch, policy=Policy((1.0,), 3600.0), now=time.time(), rng=random.Random(1))
    with db.read() as session:
        assert list(session.scalars(select(Attempt.delivery_id))) == [kept]
        assert (
            session.scalar(select(WebhookEvent.status).where(WebhookEvent.id == kept))
            == WebhookEventStatus.DELIVERED
        )

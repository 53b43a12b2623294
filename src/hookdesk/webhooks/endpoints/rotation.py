"""Sealing every endpoint secret and custom headers again with the first key of
`HOOKDESK_SECRET_KEY`.

Endpoints are taken in id order, a batch per short transaction, so the API and the dispatchers go
on meanwhile; a secret sealed again is still opened by every process that has the new key in its
list. Running it twice is harmless.
"""

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select

from hookdesk.db import Database
from hookdesk.models.webhooks import WebhookEndpoint
from hookdesk.shared.secretbox import SecretBox, UnreadableSecret

BATCH = 200


@dataclass
class Resealed:
    endpoints: int = 0
    unreadable: int = 0  # endpoints whose secret or headers no key opens: left as they were


def count_endpoints(database: Database) -> int:
    with database.read() as session:
        return session.scalar(select(func.count()).select_from(WebhookEndpoint)) or 0


def reseal_all(
    database: Database, box: SecretBox, *, on_batch: Callable[[int], None] = lambda _n: None
) -> Resealed:
    done = Resealed()
    after = ""
    while True:
        with database.transaction() as session:
            batch = session.scalars(
                select(WebhookEndpoint)
                .where(WebhookEndpoint.id > after)
                .order_by(WebhookEndpoint.id)
                .limit(BATCH)
                .with_for_update()
            ).all()
            for endpoint in batch:
                _reseal(endpoint, box, done)
        if not batch:
            return done
        after = batch[-1].id
        on_batch(len(batch))


def _reseal(endpoint: WebhookEndpoint, box: SecretBox, done: Resealed) -> None:
    try:
        secret = box.reseal(endpoint.secret)
        previous = box.reseal(endpoint.previous_secret) if endpoint.previous_secret else None
        headers = box.reseal(endpoint.sealed_headers) if endpoint.sealed_headers else None
    except UnreadableSecret:
        done.unreadable += 1
        return
    endpoint.secret, endpoint.previous_secret = secret, previous
    endpoint.sealed_headers = headers
    done.endpoints += 1

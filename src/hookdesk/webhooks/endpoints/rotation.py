"""Sealing every endpoint secret and custom headers again with the first key of
`HOOKDESK_SECRET_KEY` (`hookdesk secret-key rotate`; see `shared/resealing.py`)."""

from collections.abc import Callable

from sqlalchemy import func, select

from hookdesk.db import Database
from hookdesk.models.webhooks import WebhookEndpoint
from hookdesk.shared import resealing
from hookdesk.shared.secretbox import SecretBox

SEALED = ("secret", "previous_secret", "sealed_headers")


def count_endpoints(database: Database) -> int:
    with database.read() as session:
        return session.scalar(select(func.count()).select_from(WebhookEndpoint)) or 0


def reseal_all(
    database: Database, box: SecretBox, *, on_batch: Callable[[int], None] = lambda _n: None
) -> resealing.Resealed:
    """The endpoints whose secrets were sealed again, and those no key opens."""
    return resealing.reseal_all(database, box, WebhookEndpoint.id, SEALED, on_batch=on_batch)

"""Sealing the secrets of every row of a table again with the first key of `HOOKDESK_SECRET_KEY`
(`hookdesk secret-key rotate`), for the endpoint secrets and the mail server passwords alike.

Rows are taken in key order, a batch per short transaction, so the API and the dispatchers go on
meanwhile; a secret sealed again is still opened by every process that has the new key in its
list. Running it twice is harmless.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute

from hookdesk.db import Database
from hookdesk.db.base import Base
from hookdesk.shared.secretbox import SecretBox, UnreadableSecret

BATCH = 200


@dataclass
class Resealed:
    rows: int = 0  # rows with at least one secret, all sealed again
    unreadable: int = 0  # rows with a secret no key opens: left as they were


def reseal_all(
    database: Database,
    box: SecretBox,
    key: InstrumentedAttribute[str],
    sealed: Sequence[str],
    *,
    on_batch: Callable[[int], None] = lambda _n: None,
) -> Resealed:
    """Every row of `key`'s table, its `sealed` columns (each a sealed secret or None) sealed
    again; a row is changed only when every one of its secrets opens."""
    done = Resealed()
    after = ""
    while True:
        with database.transaction() as session:
            batch = session.scalars(
                select(key.class_).where(key > after).order_by(key).limit(BATCH).with_for_update()
            ).all()
            for row in batch:
                _reseal(row, sealed, box, done)
        if not batch:
            return done
        after = getattr(batch[-1], key.key)
        on_batch(len(batch))


def _reseal(row: Base, sealed: Sequence[str], box: SecretBox, done: Resealed) -> None:
    present = {column: getattr(row, column) for column in sealed if getattr(row, column)}
    if not present:
        return
    try:
        again = {column: box.reseal(secret) for column, secret in present.items()}
    except UnreadableSecret:
        done.unreadable += 1
        return
    for column, secret in again.items():
        setattr(row, column, secret)
    done.rows += 1

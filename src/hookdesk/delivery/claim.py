"""Claiming due deliveries under a lease, in one short transaction.

On PostgreSQL the candidates are locked `FOR UPDATE SKIP LOCKED`, so any number of dispatchers
claim side by side without waiting on each other; on SQLite the write transaction (BEGIN
IMMEDIATE) already serializes claims. A claimed delivery's `next_attempt_at` becomes the end of its
lease: if its dispatcher dies, it falls due again by itself.
"""

import secrets
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from sqlalchemy import and_, exists, not_, or_, select, update
from sqlalchemy.orm import Session, aliased

from hookdesk.delivery.models import PENDING, Delivery
from hookdesk.events.models import Event
from hookdesk.webhooks.models import WebhookEndpoint

CANDIDATES_PER_CLAIM = 4  # look at this many rows per free slot, to fill slots past busy endpoints


@dataclass(frozen=True)
class Claimed:
    delivery_id: str
    lease_token: str
    account_id: str
    endpoint_id: str
    event_type: str
    attempt_count: int
    data_json: str
    url: str
    headers: Mapping[str, str]
    api_version: int
    secret: str  # sealed
    previous_secret: str | None  # sealed
    previous_secret_expires_at: int | None


def claim(
    session: Session,
    *,
    now: float,
    lease_seconds: float,
    limit: int,
    endpoint_room: Mapping[str, int],
    endpoint_cap: int,
) -> list[Claimed]:
    """Lease up to `limit` due deliveries, at most `endpoint_room[e]` (else `endpoint_cap`) for
    each endpoint `e`, and return what sending them needs."""
    full = [endpoint for endpoint, room in endpoint_room.items() if room <= 0]
    candidates = _due(session, now=now, limit=limit * CANDIDATES_PER_CLAIM, skip_endpoints=full)
    chosen = _within_caps(candidates, limit, endpoint_room, endpoint_cap)
    if not chosen:
        return []
    token = secrets.token_hex(16)
    session.execute(
        update(Delivery)
        .where(Delivery.id.in_([c[0] for c in chosen]))
        .values(next_attempt_at=now + lease_seconds, lease_token=token)
        .execution_options(synchronize_session=False)
    )
    return _details(session, [c[0] for c in chosen], token)


def _due(
    session: Session, *, now: float, limit: int, skip_endpoints: Collection[str]
) -> list[tuple[str, str]]:
    earlier = aliased(Delivery)
    # An ordered endpoint gets one ticket's events in order: a later one waits for the earlier.
    waits_for_earlier = exists().where(
        earlier.endpoint_id == Delivery.endpoint_id,
        earlier.ticket_id == Delivery.ticket_id,
        earlier.event_seq < Delivery.event_seq,
        earlier.status == PENDING,
    )
    statement = (
        select(Delivery.id, Delivery.endpoint_id)
        .where(
            Delivery.status == PENDING,
            Delivery.next_attempt_at <= now,
            or_(not_(Delivery.ordered), not_(waits_for_earlier)),
        )
        .order_by(Delivery.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if skip_endpoints:
        statement = statement.where(Delivery.endpoint_id.not_in(list(skip_endpoints)))
    return [(row[0], row[1]) for row in session.execute(statement)]


def _within_caps(
    candidates: list[tuple[str, str]],
    limit: int,
    endpoint_room: Mapping[str, int],
    endpoint_cap: int,
) -> list[tuple[str, str]]:
    taken: Counter[str] = Counter()
    chosen = []
    for delivery_id, endpoint_id in candidates:
        if taken[endpoint_id] < endpoint_room.get(endpoint_id, endpoint_cap):
            taken[endpoint_id] += 1
            chosen.append((delivery_id, endpoint_id))
            if len(chosen) == limit:
                break
    return chosen


def _details(session: Session, delivery_ids: list[str], token: str) -> list[Claimed]:
    statement = (
        select(
            Delivery.id,
            Delivery.account_id,
            Delivery.endpoint_id,
            Delivery.event_type,
            Delivery.attempt_count,
            Event.data,
            WebhookEndpoint.url,
            WebhookEndpoint.headers,
            WebhookEndpoint.api_version,
            WebhookEndpoint.secret,
            WebhookEndpoint.previous_secret,
            WebhookEndpoint.previous_secret_expires_at,
        )
        .join(Event, and_(Event.id == Delivery.event_seq, Event.account_id == Delivery.account_id))
        .join(
            WebhookEndpoint,
            and_(
                WebhookEndpoint.id == Delivery.endpoint_id,
                WebhookEndpoint.account_id == Delivery.account_id,
            ),
        )
        .where(Delivery.id.in_(delivery_ids))
    )
    return [
        Claimed(
            delivery_id=row.id,
            lease_token=token,
            account_id=row.account_id,
            endpoint_id=row.endpoint_id,
            event_type=row.event_type,
            attempt_count=row.attempt_count,
            data_json=row.data,
            url=row.url,
            headers=row.headers,
            api_version=row.api_version,
            secret=row.secret,
            previous_secret=row.previous_secret,
            previous_secret_expires_at=row.previous_secret_expires_at,
        )
        for row in session.execute(statement)
    ]


def release(session: Session, *, leases: Mapping[str, str], now: float) -> None:
    """Hand leased deliveries back, due now, for another dispatcher (on shutdown)."""
    for delivery_id, token in leases.items():
        session.execute(
            update(Delivery)
            .where(Delivery.id == delivery_id, Delivery.lease_token == token)
            .values(next_attempt_at=now, lease_token=None)
        )


def next_due(session: Session, *, after: float) -> float | None:
    """When the next pending delivery falls due (or its lease ends) after `after`.

    Deliveries due already but not claimable (an ordered one waiting for an earlier, or one of an
    endpoint at its concurrency cap) are left out: a finishing send wakes the dispatcher for them.
    """
    statement = select(Delivery.next_attempt_at).where(
        Delivery.status == PENDING, Delivery.next_attempt_at > after
    )
    return session.scalar(statement.order_by(Delivery.next_attempt_at).limit(1))

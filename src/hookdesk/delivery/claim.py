"""Claiming due deliveries under a lease, in one short transaction.

A claim looks endpoint by endpoint: first which enabled endpoints have deliveries due, oldest
first, then up to the room each has (its concurrency cap less what is in flight) from each. A slow
endpoint's backlog therefore never stands in front of another endpoint's deliveries, and every
query is an index lookup whatever the backlog.

On PostgreSQL the rows are locked `FOR UPDATE SKIP LOCKED`, so any number of dispatchers claim
side by side without waiting on each other; on SQLite the write transaction (BEGIN IMMEDIATE)
already serializes claims. A claimed delivery's `next_attempt_at` becomes the end of its lease: if
its dispatcher dies, it falls due again by itself.
"""

import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    ScalarSelect,
    and_,
    bindparam,
    exists,
    func,
    not_,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session, aliased

from hookdesk.delivery.models import PENDING, Delivery
from hookdesk.events.models import Event
from hookdesk.webhooks.models import WebhookEndpoint


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


@dataclass(frozen=True)
class Claim:
    claimed: list[Claimed]
    backlog: bool  # due deliveries were left for want of room
    next_due: float | None  # the earliest time a pending delivery falls due after now


def _pending_of_endpoint(*conditions: ColumnElement[bool]) -> ScalarSelect[float | None]:
    return (
        select(func.min(Delivery.next_attempt_at))
        .where(Delivery.endpoint_id == WebhookEndpoint.id, Delivery.status == PENDING, *conditions)
        .correlate(WebhookEndpoint)
        .scalar_subquery()
    )


# Built once: compiling a statement costs more than running it on an indexed table.
_ENDPOINTS = (
    select(
        WebhookEndpoint.id,
        _pending_of_endpoint().label("earliest"),
        _pending_of_endpoint(Delivery.next_attempt_at > bindparam("now")).label("upcoming"),
    )
    .where(WebhookEndpoint.status == "enabled", WebhookEndpoint.deleted_at.is_(None))
    .subquery()
)
_ENDPOINTS_WITH_PENDING = (
    select(_ENDPOINTS.c.id, _ENDPOINTS.c.earliest, _ENDPOINTS.c.upcoming)
    .where(_ENDPOINTS.c.earliest.is_not(None))
    .order_by(_ENDPOINTS.c.earliest)
)

_earlier = aliased(Delivery)
# An ordered endpoint gets one ticket's events in order: a later one waits for the earlier.
_WAITS_FOR_EARLIER = exists().where(
    _earlier.endpoint_id == Delivery.endpoint_id,
    _earlier.ticket_id == Delivery.ticket_id,
    _earlier.event_seq < Delivery.event_seq,
    _earlier.status == PENDING,
)
_CLAIMABLE = (
    select(Delivery.id)
    .where(
        Delivery.endpoint_id == bindparam("endpoint_id"),
        Delivery.status == PENDING,
        Delivery.next_attempt_at <= bindparam("now"),
        or_(not_(Delivery.ordered), not_(_WAITS_FOR_EARLIER)),
    )
    .order_by(Delivery.next_attempt_at)
    .limit(bindparam("room"))
    .with_for_update(skip_locked=True)
)
_LEASE = (
    update(Delivery)
    .where(Delivery.id.in_(bindparam("ids", expanding=True)))
    .values(next_attempt_at=bindparam("lease_end"), lease_token=bindparam("token"))
    .execution_options(synchronize_session=False)
)


def claim(
    session: Session,
    *,
    now: float,
    lease_seconds: float,
    limit: int,
    endpoint_room: Mapping[str, int],
    endpoint_cap: int,
) -> Claim:
    """Lease up to `limit` due deliveries, at most `endpoint_room[e]` (else `endpoint_cap`) for
    each endpoint `e`, and say what sending them needs and when to look again."""
    chosen: list[str] = []
    backlog = False
    upcoming: list[float] = []
    for endpoint_id, earliest, next_one in session.execute(_ENDPOINTS_WITH_PENDING, {"now": now}):
        if next_one is not None:
            upcoming.append(next_one)
        room = min(endpoint_room.get(endpoint_id, endpoint_cap), limit - len(chosen))
        if earliest > now:
            continue
        if room <= 0:
            backlog = True
            continue
        found = session.scalars(
            _CLAIMABLE, {"endpoint_id": endpoint_id, "now": now, "room": room}
        ).all()
        chosen.extend(found)
        backlog = backlog or len(found) == room
    claimed = _lease(session, chosen, now + lease_seconds) if chosen else []
    return Claim(claimed, backlog, min(upcoming, default=None))


def _lease(session: Session, delivery_ids: list[str], lease_end: float) -> list[Claimed]:
    token = secrets.token_hex(16)
    session.execute(_LEASE, {"ids": delivery_ids, "lease_end": lease_end, "token": token})
    return _details(session, delivery_ids, token)


_DELIVERY_DETAILS = (
    select(
        Delivery.id,
        Delivery.account_id,
        Delivery.endpoint_id,
        Delivery.event_type,
        Delivery.attempt_count,
        Event.data,
    )
    .join(Event, and_(Event.id == Delivery.event_seq, Event.account_id == Delivery.account_id))
    .where(Delivery.id.in_(bindparam("ids", expanding=True)))
)
_ENDPOINT_DETAILS = select(
    WebhookEndpoint.id,
    WebhookEndpoint.url,
    WebhookEndpoint.headers,
    WebhookEndpoint.api_version,
    WebhookEndpoint.secret,
    WebhookEndpoint.previous_secret,
    WebhookEndpoint.previous_secret_expires_at,
).where(WebhookEndpoint.id.in_(bindparam("ids", expanding=True)))


def _details(session: Session, delivery_ids: list[str], token: str) -> list[Claimed]:
    deliveries = session.execute(_DELIVERY_DETAILS, {"ids": delivery_ids}).all()
    # Read each endpoint once, however many of its deliveries are claimed.
    endpoint_ids = list({row.endpoint_id for row in deliveries})
    endpoints = {row.id: row for row in session.execute(_ENDPOINT_DETAILS, {"ids": endpoint_ids})}
    return [
        Claimed(
            delivery_id=row.id,
            lease_token=token,
            account_id=row.account_id,
            endpoint_id=row.endpoint_id,
            event_type=row.event_type,
            attempt_count=row.attempt_count,
            data_json=row.data,
            url=endpoint.url,
            headers=endpoint.headers,
            api_version=endpoint.api_version,
            secret=endpoint.secret,
            previous_secret=endpoint.previous_secret,
            previous_secret_expires_at=endpoint.previous_secret_expires_at,
        )
        for row in deliveries
        for endpoint in (endpoints[row.endpoint_id],)
    ]


def release(session: Session, *, leases: Mapping[str, str], now: float) -> None:
    """Hand leased deliveries back, due now, for another dispatcher (on shutdown)."""
    for delivery_id, token in leases.items():
        session.execute(
            update(Delivery)
            .where(Delivery.id == delivery_id, Delivery.lease_token == token)
            .values(next_attempt_at=now, lease_token=None)
        )

"""Per-endpoint rate limits: the deliveries to an endpoint with a `rate_limit` of N start at least
1/N seconds apart (with `SLACK`), whichever dispatcher starts them, so no second holds more than N.

The endpoint's `rate_next_at` is when its next delivery may start. A claim takes that slot with
one conditional UPDATE (only while the slot is free: `rate_next_at` unset or past) that moves it
on by the spacing. On PostgreSQL the row is locked `SKIP LOCKED`: while another dispatcher's claim
(or a recording of attempts) holds it, this claim leaves the endpoint for its next look instead of
waiting, so two processes never start two deliveries in one slot and a claim never waits on an
endpoint's row (nor deadlocks with the recording, which locks endpoints too). A claim takes at most
one delivery of a paced endpoint.

Spacing rather than a count per clock second: with a count, a burst at the end of one second and
the next second's burst at its start would reach the receiver within the same second.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import bindparam, or_, select, update

from hookdesk.db import direct
from hookdesk.models.webhooks import WebhookEndpoint

# 5% more than 1/N between starts: room for the time between a start and its arrival to vary.
SLACK = 1.05

_FREE_SLOT = (
    select(WebhookEndpoint.id)
    .where(
        WebhookEndpoint.id == bindparam("endpoint_id"),
        or_(
            WebhookEndpoint.rate_next_at.is_(None),
            WebhookEndpoint.rate_next_at <= bindparam("now"),
        ),
    )
    .with_for_update(skip_locked=True)
    .scalar_subquery()
)
_TAKE_SLOT = (
    update(WebhookEndpoint)
    .where(WebhookEndpoint.id == _FREE_SLOT)
    .values(rate_next_at=bindparam("next_at"))
    .returning(WebhookEndpoint.id)
)


@dataclass(frozen=True)
class Paced:
    """An endpoint with a rate limit and deliveries due, as the claim read it."""

    endpoint_id: str
    rate_limit: int
    next_at: float | None  # its `rate_next_at`


def spacing(rate_limit: int) -> float:
    return SLACK / rate_limit


def take_slots(session: direct.Unit, paced: Iterable[Paced], now: float) -> dict[str, float | None]:
    """Take a slot now for each endpoint whose slot is free: for each, None when taken, else when
    its next slot comes."""
    slots: dict[str, float | None] = {}
    for endpoint in sorted(paced, key=lambda p: p.endpoint_id):
        if endpoint.next_at is not None and endpoint.next_at > now:
            slots[endpoint.endpoint_id] = endpoint.next_at
            continue
        next_at = now + spacing(endpoint.rate_limit)
        parameters = {"endpoint_id": endpoint.endpoint_id, "now": now, "next_at": next_at}
        taken = direct.execute(session, _TAKE_SLOT, parameters)
        # Not taken: another dispatcher took it a moment ago (or holds its row): look again about
        # a spacing on.
        slots[endpoint.endpoint_id] = None if taken else next_at
    return slots

"""Resends: an attempt made now, outside the delivery's retry schedule.

Queuing one makes the delivery due now and puts its schedule aside (`resume_status`,
`resume_at`); the dispatcher claims it like any due delivery. Its attempt is logged and counted in
`attempt_count` (and `resend_count`), but the schedule's step and next attempt stay: if it fails,
the delivery goes back to what it was (pending with the same next attempt, failed, delivered); if
it succeeds, the delivery is delivered and its automatic retries end.
"""

from collections.abc import Sequence
from typing import TypeAlias

from sqlalchemy import Table, bindparam, case, update
from sqlalchemy.orm import Session

from hookdesk.models.webhooks import WebhookEvent
from hookdesk.webhooks.dispatch import channel
from hookdesk.webhooks.dispatch.claim import Claimed
from hookdesk.webhooks.dispatch.sender import Result
from hookdesk.webhooks.statuses import WebhookEventStatus

Finished: TypeAlias = channel.Finished[Claimed, Result]
_deliveries: Table = WebhookEvent.__table__  # type: ignore[assignment]


def queue(delivery: WebhookEvent, *, now: float) -> None:
    """Due now, its schedule put aside (unless a resend already holds it aside)."""
    if delivery.resume_status is None:
        delivery.resume_status = delivery.status
        delivery.resume_at = delivery.next_attempt_at
    delivery.status = WebhookEventStatus.PENDING
    delivery.next_attempt_at = now
    delivery.lease_token = None  # a claim in flight no longer moves it on


_FINISH = (
    update(_deliveries)
    .where(_deliveries.c.id == bindparam("b_id"), _deliveries.c.lease_token == bindparam("b_token"))
    .values(
        status=case(
            (bindparam("b_ok"), WebhookEventStatus.DELIVERED.value),
            else_=_deliveries.c.resume_status,
        ),
        next_attempt_at=case((bindparam("b_ok"), None), else_=_deliveries.c.resume_at),
        attempt_count=_deliveries.c.attempt_count + 1,
        resend_count=_deliveries.c.resend_count + 1,
        resume_status=None,
        resume_at=None,
        lease_token=None,
    )
)


def finish(session: Session, finished: Sequence[Finished]) -> None:
    """Put each resent delivery back on its schedule, or mark it delivered, if this dispatcher
    still holds its lease."""
    rows = [
        {"b_id": f.claimed.delivery_id, "b_token": f.claimed.lease_token, "b_ok": f.result.ok}
        for f in finished
    ]
    if rows:
        session.connection().execute(_FINISH, rows)

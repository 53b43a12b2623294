"""Endpoint health: an endpoint that only fails for `HOOKDESK_DISABLE_AFTER` seconds, or answers
410 Gone, is disabled with a reason, and the account's other endpoints are told
(`webhook_endpoint.disabled`)."""

import math
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from hookdesk.db import direct
from hookdesk.db.dialects import one_of
from hookdesk.models.webhooks import WebhookEndpoint
from hookdesk.webhooks.dispatch.retry import Verdict
from hookdesk.webhooks.endpoints.service import disable
from hookdesk.webhooks.outbox import operational
from hookdesk.webhooks.outbox.operational import DisableReason
from hookdesk.webhooks.statuses import EndpointStatus


# Not frozen: a frozen dataclass's __init__ costs about ten times more, and one is made per
# delivery. Treated as read-only all the same.
@dataclass(slots=True)
class EndpointOutcome:
    account_id: str
    endpoint_id: str
    verdict: Verdict


def record_outcomes(
    session: Session, outcomes: Sequence[EndpointOutcome], disable_after: float, now: float
) -> None:
    succeeded = {o.endpoint_id for o in outcomes if o.verdict is Verdict.DELIVERED}
    gone = {o.endpoint_id for o in outcomes if o.verdict is Verdict.GONE}
    failing = {o.endpoint_id for o in outcomes} - succeeded
    if succeeded:
        _set_failing_since(session, succeeded, None)
    if failing:
        # Rounded up: an endpoint is disabled no sooner than `disable_after` after it began failing.
        at = math.ceil(now)
        _set_failing_since(session, failing, at)
        disabled = _disable(session, gone, "the endpoint answered 410 Gone", at)
        overdue = _failing_longer_than(session, failing - gone, now - disable_after)
        days = disable_after / 86400
        disabled += _disable(session, overdue, f"no successful delivery for {days:g} days", at)
        # Told once all are disabled, so that none of them is sent news of another.
        for endpoint in disabled:
            reason = DisableReason.GONE if endpoint.id in gone else DisableReason.FAILING
            operational.endpoint_disabled(session, endpoint, reason=reason)


_endpoints: Table = WebhookEndpoint.__table__  # type: ignore[assignment]
# Only the first failure after a success starts the clock; a success stops it. Built once (a Core
# statement whose SQL does not change with the number of endpoints): recorded with every batch.
_START_FAILING = (
    update(_endpoints)
    .where(one_of(_endpoints.c.id, "ids"), _endpoints.c.failing_since.is_(None))
    .values(failing_since=bindparam("at"))
)
_STOP_FAILING = (
    update(_endpoints)
    .where(one_of(_endpoints.c.id, "ids"), _endpoints.c.failing_since.is_not(None))
    .values(failing_since=None)
)


def _set_failing_since(session: Session, endpoint_ids: set[str], value: int | None) -> None:
    statement = _STOP_FAILING if value is None else _START_FAILING
    direct.execute(session, statement, {"ids": sorted(endpoint_ids), "at": value})


def _failing_longer_than(session: Session, endpoint_ids: set[str], before: float) -> set[str]:
    if not endpoint_ids:
        return set()
    statement = select(WebhookEndpoint.id).where(
        WebhookEndpoint.id.in_(endpoint_ids),
        WebhookEndpoint.status == EndpointStatus.ENABLED,
        WebhookEndpoint.failing_since <= before,
    )
    return set(session.scalars(statement))


def _disable(
    session: Session, endpoint_ids: set[str], reason: str, at: int
) -> list[WebhookEndpoint]:
    disabled = []
    for endpoint_id in sorted(endpoint_ids):
        endpoint = session.get(WebhookEndpoint, endpoint_id, with_for_update=True)
        if endpoint is not None and endpoint.status == EndpointStatus.ENABLED:
            disable(session, endpoint, reason=reason, automatic_at=at)
            disabled.append(endpoint)
    return disabled

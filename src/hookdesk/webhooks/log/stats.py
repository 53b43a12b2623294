"""Numbers for the webhooks dashboard: attempts hour by hour, each endpoint's success rate over
them, and its next retry."""

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from hookdesk.models.webhooks import Attempt, WebhookEvent
from hookdesk.webhooks.statuses import WebhookEventStatus

HOUR = 3600
HOURS_SHOWN = 24


@dataclass(frozen=True)
class HourCounts:
    start: int  # Unix seconds at the start of the hour
    succeeded: int = 0
    failed: int = 0


def hourly_attempts(
    session: Session, *, account_id: str, endpoint_ids: Collection[str], now: float
) -> dict[str, list[HourCounts]]:
    """Per endpoint, its attempts in each of the last 24 clock hours (the current one last)."""
    first = (int(now) // HOUR - (HOURS_SHOWN - 1)) * HOUR
    hour = ((Attempt.at - first) // HOUR).label("hour")
    statement = (
        select(
            WebhookEvent.endpoint_id,
            hour,
            func.count(),
            func.sum(case((Attempt.error.is_(None), 1), else_=0)),
        )
        .join(WebhookEvent, WebhookEvent.id == Attempt.delivery_id)
        .where(
            Attempt.account_id == account_id,
            WebhookEvent.account_id == account_id,
            WebhookEvent.endpoint_id.in_(endpoint_ids),
            Attempt.at >= first,
        )
        .group_by(WebhookEvent.endpoint_id, hour)
    )
    hours = {e: [HourCounts(first + i * HOUR) for i in range(HOURS_SHOWN)] for e in endpoint_ids}
    for endpoint_id, index, total, ok in session.execute(statement):
        if 0 <= index < HOURS_SHOWN:  # not an attempt recorded in the future by a skewed clock
            succeeded = int(ok or 0)
            start = first + int(index) * HOUR
            hours[endpoint_id][int(index)] = HourCounts(start, succeeded, int(total) - succeeded)
    return hours


def next_retries(
    session: Session, *, account_id: str, endpoint_ids: Collection[str]
) -> dict[str, float]:
    """Per endpoint with pending deliveries, when the earliest of them is due."""
    statement = (
        select(WebhookEvent.endpoint_id, func.min(WebhookEvent.next_attempt_at))
        .where(
            WebhookEvent.account_id == account_id,
            WebhookEvent.endpoint_id.in_(endpoint_ids),
            WebhookEvent.status == WebhookEventStatus.PENDING,
        )
        .group_by(WebhookEvent.endpoint_id)
    )
    return {endpoint_id: due for endpoint_id, due in session.execute(statement) if due is not None}


@dataclass(frozen=True)
class SuccessRate:
    """The attempts to an endpoint over the chart's 24 clock hours, and how many succeeded."""

    succeeded: int
    attempts: int

    @property
    def percent(self) -> int | None:
        """Rounded down, so that 99.6% is never shown as a clean 100%; None without attempts."""
        return self.succeeded * 100 // self.attempts if self.attempts else None


def success_rate(hours: list[HourCounts]) -> SuccessRate:
    succeeded = sum(hour.succeeded for hour in hours)
    return SuccessRate(succeeded, succeeded + sum(hour.failed for hour in hours))


@dataclass(frozen=True)
class Health:
    hours: dict[str, list[HourCounts]]
    next_retries: dict[str, float]

    @property
    def rates(self) -> dict[str, SuccessRate]:
        return {endpoint_id: success_rate(hours) for endpoint_id, hours in self.hours.items()}


def health(
    session: Session, *, account_id: str, endpoint_ids: Collection[str], now: float
) -> Health:
    """The dashboard's view of these endpoints: attempts per hour and next retry."""
    hours = hourly_attempts(session, account_id=account_id, endpoint_ids=endpoint_ids, now=now)
    retries = next_retries(session, account_id=account_id, endpoint_ids=endpoint_ids)
    return Health(hours, retries)

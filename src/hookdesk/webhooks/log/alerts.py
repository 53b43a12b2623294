"""What the webhooks dashboard warns of: endpoints that are failing (their last attempt failed and
none succeeded since), endpoints hookdesk disabled by itself, and deliveries that failed in the
last 24 hours."""

from dataclasses import dataclass

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from hookdesk.models.webhooks import Attempt, WebhookEndpoint, WebhookEvent
from hookdesk.webhooks.statuses import EndpointStatus, WebhookEventStatus

DAY = 24 * 3600


@dataclass(frozen=True)
class DisabledEndpoint:
    id: str
    url: str
    reason: str | None
    disabled_at: int


@dataclass(frozen=True)
class FailingEndpoint:
    id: str
    url: str
    since: int  # its first failed attempt after its last success


@dataclass(frozen=True)
class Alerts:
    failing: list[FailingEndpoint]  # enabled, their last attempt failed; failing longest first
    disabled: list[DisabledEndpoint]  # by hookdesk, not by a person; the latest first
    failed_last_day: int  # failed deliveries whose last attempt was in the last 24 hours

    @property
    def any(self) -> bool:
        return bool(self.failing or self.disabled or self.failed_last_day)


def alerts(session: Session, *, account_id: str, now: float) -> Alerts:
    return Alerts(
        _failing(session, account_id),
        _disabled_automatically(session, account_id),
        _failed_since(session, account_id, int(now) - DAY),
    )


def _failing(session: Session, account_id: str) -> list[FailingEndpoint]:
    # `failing_since` is kept by every recorded attempt (webhooks/dispatch/health.py): set by the
    # first failure after a success, cleared by a success.
    statement = (
        select(WebhookEndpoint.id, WebhookEndpoint.url, WebhookEndpoint.failing_since)
        .where(
            WebhookEndpoint.account_id == account_id,
            WebhookEndpoint.deleted_at.is_(None),
            WebhookEndpoint.status == EndpointStatus.ENABLED,
            WebhookEndpoint.failing_since.is_not(None),
        )
        .order_by(WebhookEndpoint.failing_since, WebhookEndpoint.id)
    )
    return [
        FailingEndpoint(endpoint_id, url, since or 0)  # `since` is set: filtered on above
        for endpoint_id, url, since in session.execute(statement)
    ]


def _disabled_automatically(session: Session, account_id: str) -> list[DisabledEndpoint]:
    statement = (
        select(
            WebhookEndpoint.id,
            WebhookEndpoint.url,
            WebhookEndpoint.disabled_reason,
            WebhookEndpoint.auto_disabled_at,
        )
        .where(
            WebhookEndpoint.account_id == account_id,
            WebhookEndpoint.deleted_at.is_(None),
            WebhookEndpoint.status == EndpointStatus.DISABLED,
            WebhookEndpoint.auto_disabled_at.is_not(None),
        )
        .order_by(WebhookEndpoint.auto_disabled_at.desc(), WebhookEndpoint.id)
    )
    return [
        DisabledEndpoint(endpoint_id, url, reason, at or 0)  # `at` is set: filtered on above
        for endpoint_id, url, reason, at in session.execute(statement)
    ]


def _failed_since(session: Session, account_id: str, since: int) -> int:
    # A failed delivery with any attempt in the window has its last one, the failing one, in it.
    statement = (
        select(func.count(distinct(WebhookEvent.id)))
        .join(Attempt, Attempt.delivery_id == WebhookEvent.id)
        .where(
            WebhookEvent.account_id == account_id,
            Attempt.account_id == account_id,
            WebhookEvent.status == WebhookEventStatus.FAILED,
            Attempt.at >= since,
        )
    )
    return session.scalar(statement) or 0

"""Operational events: hookdesk tells the account that one of its endpoints was disabled
automatically (`webhook_endpoint.disabled`) or that a delivery failed for good
(`webhook_event.failed`).

Each is emitted in the transaction of the change that causes it, to the account's endpoints that
subscribe to it, except the endpoint it is about. Neither carries an event's payload nor a
receiver's answer: those can hold a client's personal data, which must stay erasable.
"""

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from hookdesk.models.webhooks import WebhookEndpoint, WebhookEvent
from hookdesk.webhooks.catalog import OPERATIONAL_EVENT_TYPES, EventType
from hookdesk.webhooks.objects import endpoint_object_without_headers, webhook_event_object
from hookdesk.webhooks.outbox.emit import emit
from hookdesk.webhooks.payloads import JsonObject


class DisableReason(StrEnum):
    GONE = "gone"  # the endpoint answered 410 Gone
    FAILING = "failing"  # no successful delivery for HOOKDESK_DISABLE_AFTER seconds


@dataclass(frozen=True)
class LastAttempt:
    at: int
    status_code: int | None
    error: str | None


def endpoint_disabled_data(endpoint: WebhookEndpoint, *, reason: DisableReason) -> JsonObject:
    return {
        "webhook_endpoint": endpoint_object_without_headers(endpoint),
        "reason": reason.value,
        "failing_since": endpoint.failing_since,
        "disabled_at": endpoint.auto_disabled_at,
    }


def event_failed_data(delivery: WebhookEvent, last: LastAttempt) -> JsonObject:
    return {
        "webhook_event": webhook_event_object(delivery),
        "last_attempt": {"at": last.at, "status_code": last.status_code, "error": last.error},
    }


def endpoint_disabled(
    session: Session, endpoint: WebhookEndpoint, *, reason: DisableReason
) -> None:
    emit(
        session,
        account_id=endpoint.account_id,
        event_type=EventType.ENDPOINT_DISABLED.value,
        ticket_id=None,
        data=endpoint_disabled_data(endpoint, reason=reason),
        except_endpoint=endpoint.id,
    )


def event_failed(session: Session, *, account_id: str, delivery_id: str, last: LastAttempt) -> None:
    statement = (
        select(WebhookEvent)
        .where(WebhookEvent.account_id == account_id, WebhookEvent.id == delivery_id)
        .execution_options(populate_existing=True)  # just changed by a Core statement
    )
    delivery = session.scalar(statement)
    # Never about an operational event itself: one failure must not set off a chain of them.
    if delivery is None or delivery.event_type in OPERATIONAL_EVENT_TYPES:
        return
    emit(
        session,
        account_id=account_id,
        event_type=EventType.EVENT_FAILED.value,
        ticket_id=None,
        data=event_failed_data(delivery, last),
        except_endpoint=delivery.endpoint_id,
    )

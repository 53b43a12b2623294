"""Queue one delivery per subscribed, enabled endpoint, in the transaction of the change."""

import time

from sqlalchemy import bindparam, insert, select
from sqlalchemy.orm import Session

from hookdesk.db.wakeup import request_wakeup
from hookdesk.models.webhooks import OutboxEvent, WebhookEndpoint, WebhookEvent
from hookdesk.webhooks.ids import new_webhook_event_id
from hookdesk.webhooks.statuses import EndpointStatus, WebhookEventStatus

# Built once: every ticket change runs it, and building it cost more than running it.
_SUBSCRIBERS = select(WebhookEndpoint.id, WebhookEndpoint.events, WebhookEndpoint.ordered).where(
    WebhookEndpoint.account_id == bindparam("account_id"),
    WebhookEndpoint.status == EndpointStatus.ENABLED,
    WebhookEndpoint.deleted_at.is_(None),
)


def fan_out(
    session: Session,
    event: OutboxEvent,
    *,
    only_endpoint: str | None = None,
    except_endpoint: str | None = None,
) -> int:
    """Insert the event's deliveries; the dispatcher is woken once the transaction commits."""
    statement = _SUBSCRIBERS
    if only_endpoint is not None:
        statement = statement.where(WebhookEndpoint.id == only_endpoint)
    if except_endpoint is not None:
        statement = statement.where(WebhookEndpoint.id != except_endpoint)
    found = session.execute(statement, {"account_id": event.account_id})
    now = time.time()
    rows = [
        {
            "id": new_webhook_event_id(),
            "account_id": event.account_id,
            "event_seq": event.id,
            "endpoint_id": endpoint_id,
            "event_type": event.event_type,
            "ticket_id": event.ticket_id,
            "ordered": ordered,
            "status": WebhookEventStatus.PENDING,
            "attempt_count": 0,
            "next_attempt_at": now,
            "created_at": int(now),
        }
        for endpoint_id, events, ordered in found
        if only_endpoint is not None or event.event_type in events
    ]
    if rows:
        session.execute(insert(WebhookEvent), rows)
        request_wakeup(session)
    return len(rows)

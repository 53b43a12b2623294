"""Queue one delivery per subscribed, enabled endpoint, in the transaction of the change."""

import time
from collections.abc import Iterable

from sqlalchemy import and_, bindparam, insert, select

from hookdesk.db import direct
from hookdesk.models.webhooks import WebhookEndpoint, WebhookEvent
from hookdesk.webhooks.ids import new_webhook_event_id
from hookdesk.webhooks.statuses import EndpointStatus, WebhookEventStatus

# Built once, and run by the driver (`db/direct.py`; plain rows, no ORM): every ticket change
# writes them, and building them cost more than running them.
_INSERT = insert(WebhookEvent)
# What is read of each endpoint that may be subscribed (its id, events and whether ordered), and
# which endpoints may be: for a statement that reads them beside others (a ticket create reads
# them with its client), as `_SUBSCRIBERS` reads them alone.
SUBSCRIBER_COLUMNS = (
    WebhookEndpoint.id.label("endpoint_id"),
    WebhookEndpoint.events.label("endpoint_events"),
    WebhookEndpoint.ordered.label("endpoint_ordered"),
)
SENDING = and_(
    WebhookEndpoint.status == EndpointStatus.ENABLED, WebhookEndpoint.deleted_at.is_(None)
)
_SUBSCRIBERS = select(*SUBSCRIBER_COLUMNS).where(
    WebhookEndpoint.account_id == bindparam("account_id"), SENDING
)
_ONLY = _SUBSCRIBERS.where(WebhookEndpoint.id == bindparam("id"))  # a test event's
_EXCEPT = _SUBSCRIBERS.where(WebhookEndpoint.id != bindparam("id"))  # an operational event's

# An endpoint as `SUBSCRIBER_COLUMNS` read it: (id, events, ordered).
Subscriber = tuple[str, list[str], bool]


def fan_out(
    session: direct.Unit,
    *,
    event_seq: int,
    account_id: str,
    event_type: str,
    ticket_id: str | None,
    only_endpoint: str | None = None,
    except_endpoint: str | None = None,
    endpoints: Iterable[Subscriber] | None = None,
) -> int:
    """Insert the deliveries of the event `event_seq` just written; their number (`emit` asks
    for the dispatcher's wake-up after commit when there are any). `endpoints`: the account's
    enabled endpoints, when the change read them already in its transaction."""
    found = endpoints
    if found is None:
        found = _subscribers(session, account_id, only_endpoint, except_endpoint)
    now = time.time()
    rows = [
        {
            "id": new_webhook_event_id(),
            "account_id": account_id,
            "event_seq": event_seq,
            "endpoint_id": endpoint_id,
            "event_type": event_type,
            "ticket_id": ticket_id,
            "ordered": ordered,
            "status": WebhookEventStatus.PENDING,
            "attempt_count": 0,
            "next_attempt_at": now,
            "created_at": int(now),
        }
        for endpoint_id, events, ordered in found
        if only_endpoint is not None or event_type in events
    ]
    direct.execute_many(session, _INSERT, rows)
    return len(rows)


def _subscribers(
    session: direct.Unit, account_id: str, only_endpoint: str | None, except_endpoint: str | None
) -> Iterable[Subscriber]:
    if only_endpoint is not None:
        return direct.execute(session, _ONLY, {"account_id": account_id, "id": only_endpoint})
    if except_endpoint is not None:
        return direct.execute(session, _EXCEPT, {"account_id": account_id, "id": except_endpoint})
    return direct.execute(session, _SUBSCRIBERS, {"account_id": account_id})

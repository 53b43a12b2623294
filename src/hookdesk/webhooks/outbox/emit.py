from sqlalchemy.orm import Session

from hookdesk.db.wakeup import request_wakeup
from hookdesk.models.webhooks import OutboxEvent
from hookdesk.shared.clock import now
from hookdesk.webhooks.outbox.fanout import fan_out
from hookdesk.webhooks.payloads import JsonObject, serialize


def emit(
    session: Session,
    *,
    account_id: str,
    event_type: str,
    ticket_id: str | None,
    data: JsonObject,
    only_endpoint: str | None = None,
    except_endpoint: str | None = None,
) -> OutboxEvent:
    """Write the event and its deliveries in the caller's transaction: they commit, or vanish,
    with the change. `only_endpoint` sends it to that one endpoint (a test event);
    `except_endpoint` to every subscribed endpoint but that one (an operational event about it).
    `ticket_id` is None for operational events."""
    event = OutboxEvent(
        account_id=account_id,
        event_type=event_type,
        ticket_id=ticket_id,
        data=serialize(data),
        created_at=now(),
    )
    session.add(event)
    session.flush()
    fan_out(session, event, only_endpoint=only_endpoint, except_endpoint=except_endpoint)
    request_wakeup(session)  # after commit: the dispatcher, and `hookdesk listen` streams
    return event

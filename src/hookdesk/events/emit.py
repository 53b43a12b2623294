from sqlalchemy.orm import Session

from hookdesk.events.catalog import EventType
from hookdesk.events.models import Event
from hookdesk.events.payloads import JsonObject, serialize
from hookdesk.shared.clock import now


def emit(
    session: Session, *, account_id: str, event_type: EventType, ticket_id: str, data: JsonObject
) -> Event:
    """Write the event in the caller's transaction: it commits, or vanishes, with the change."""
    event = Event(
        account_id=account_id,
        event_type=event_type.value,
        ticket_id=ticket_id,
        data=serialize(data),
        created_at=now(),
    )
    session.add(event)
    session.flush()
    return event

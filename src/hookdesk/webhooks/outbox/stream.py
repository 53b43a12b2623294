"""The account's events as they are committed, for `hookdesk listen` (served by outbox/api.py)."""

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hookdesk.models.webhooks import OutboxEvent
from hookdesk.webhooks.catalog import API_VERSION
from hookdesk.webhooks.ids import stream_event_id
from hookdesk.webhooks.payloads import render_body

BATCH = 100
MAX_SEQ_DIGITS = 18  # an event's sequence number is a 64-bit integer


def resumed_seq(last_event_id: str) -> int | None:
    """The sequence number a `Last-Event-ID` names; None when it names none. ASCII digits only:
    str.isdigit() takes '²' too, which int() then refuses."""
    if not (last_event_id.isascii() and last_event_id.isdigit()):
        return None
    return int(last_event_id) if len(last_event_id) <= MAX_SEQ_DIGITS else None


def latest_seq(session: Session, *, account_id: str) -> int:
    statement = select(func.max(OutboxEvent.id)).where(OutboxEvent.account_id == account_id)
    return session.scalar(statement) or 0


def after(
    session: Session, *, account_id: str, seq: int, event_types: Sequence[str] | None
) -> list[OutboxEvent]:
    """The account's next events after `seq`, in commit order."""
    statement = select(OutboxEvent).where(
        OutboxEvent.account_id == account_id, OutboxEvent.id > seq
    )
    if event_types:
        statement = statement.where(OutboxEvent.event_type.in_(event_types))
    return list(session.scalars(statement.order_by(OutboxEvent.id).limit(BATCH)))


def body_for_session(event: OutboxEvent, session_id: str) -> bytes:
    """The event as an endpoint would get it, the listen session standing for the endpoint."""
    return render_body(
        event_id=stream_event_id(session_id, event.id),
        event_type=event.event_type,
        api_version=API_VERSION,
        data_json=event.data,
        endpoint_id=session_id,
    )

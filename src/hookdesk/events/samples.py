"""Realistic sample events, for `POST /v2/webhook-endpoints/test/{id}`: pure and deterministic
but for their ids and times."""

from hookdesk.events.catalog import EventType
from hookdesk.events.payloads import ClientView, JsonObject, ReplyView, TicketView, event_data
from hookdesk.shared.ids import new_id

_GREETING = "Thanks for contacting our support. An agent will be with you shortly."


def sample_data(event_type: EventType, *, at: int) -> tuple[str, JsonObject]:
    """A sample ticket's id and the event `data` of the given type for it."""
    replies = [
        ReplyView(new_id(), "The client is having issues with the billing settings.", True, at),
        ReplyView(new_id(), _GREETING, False, at),
    ]
    reply = None
    if event_type is EventType.TICKET_UPDATED:
        reply = ReplyView(new_id(), "Your request is under investigation.", False, at)
        replies.append(reply)
    ticket = TicketView(
        id=new_id(),
        title="Help with account",
        is_open=event_type is not EventType.TICKET_RESOLVED,
        created_at=at,
        updated_at=at,
        client=ClientView(new_id(), "James Doe", "james.doe@example.com"),
        teammate_id=new_id() if event_type is EventType.TICKET_ASSIGNED else None,
        replies=tuple(replies),
        category="General Support",
        subcategory=None,
        language="en",
    )
    return ticket.id, event_data(ticket, reply)

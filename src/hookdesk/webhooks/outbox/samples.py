"""Realistic sample events, for `POST /v2/webhook-endpoints/test/{id}`: pure and deterministic
but for their ids and times."""

from hookdesk.models.webhooks import WebhookEndpoint, WebhookEvent
from hookdesk.shared.ids import new_id
from hookdesk.webhooks.catalog import EventType
from hookdesk.webhooks.ids import new_webhook_event_id
from hookdesk.webhooks.outbox.operational import (
    DisableReason,
    LastAttempt,
    endpoint_disabled_data,
    event_failed_data,
)
from hookdesk.webhooks.payloads import ClientView, JsonObject, ReplyView, TicketView, event_data
from hookdesk.webhooks.statuses import EndpointStatus, WebhookEventStatus

_GREETING = "Thanks for contacting our support. An agent will be with you shortly."
_HOUR = 3600


def sample_data(event_type: EventType, *, at: int) -> tuple[str | None, JsonObject]:
    """The event `data` of the given type, and the id of its sample ticket (None for an
    operational event)."""
    if event_type is EventType.ENDPOINT_DISABLED:
        return None, _endpoint_disabled(at)
    if event_type is EventType.EVENT_FAILED:
        return None, _event_failed(at)
    return _ticket_event(event_type, at)


def _ticket_event(event_type: EventType, at: int) -> tuple[str, JsonObject]:
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


def _endpoint_disabled(at: int) -> JsonObject:
    # Never added to a session: a made-up endpoint, rendered as a real one would be.
    endpoint = WebhookEndpoint(
        id=new_id(),
        url="https://orders.example.com/hookdesk",
        events=[EventType.TICKET_CREATED.value, EventType.TICKET_RESOLVED.value],
        description="Orders service",
        status=EndpointStatus.DISABLED,
        api_version=2,
        created_at=at - 30 * 24 * _HOUR,
        ordered=False,
        disabled_reason="the endpoint answered 410 Gone",
        failing_since=at,
        auto_disabled_at=at,
    )
    return endpoint_disabled_data(endpoint, reason=DisableReason.GONE)


def _event_failed(at: int) -> JsonObject:
    delivery = WebhookEvent(
        id=new_webhook_event_id(),
        endpoint_id=new_id(),
        event_type=EventType.TICKET_CREATED.value,
        status=WebhookEventStatus.FAILED,
        attempt_count=10,
        next_attempt_at=None,
        created_at=at - 3 * 24 * _HOUR,
    )
    last = LastAttempt(at, 503, "HTTP 503")
    return event_failed_data(delivery, last)

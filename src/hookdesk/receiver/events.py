"""Typed hookdesk events, checked against the example payloads (`docs/events/`).

`parse_event(body)` returns a `TicketCreated`, `TicketUpdated`, `TicketAssigned` or
`TicketResolved`, or one of the operational events `WebhookEndpointDisabled` and
`WebhookEventFailed`. Fields added by later API versions are kept but never break parsing.
"""

from typing import Annotated, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter


class _Model(BaseModel):
    # Tolerant of fields a later API version adds; frozen, as a received event is a fact.
    model_config = ConfigDict(extra="allow", frozen=True)


EventType = TypeVar("EventType")
Data = TypeVar("Data", bound=BaseModel)


class Asset(_Model):
    id: str
    object: Literal["asset"] = "asset"
    filename: str
    extension: str
    filesize: int
    type: str
    public_url: str
    created_at: int


class Reply(_Model):
    id: str
    text: str
    is_client_reply: bool
    created_at: int
    assets: list[Asset] | None


class Client(_Model):
    id: str
    name: str
    email: str


class Ticket(_Model):
    id: str
    title: str
    is_open: bool
    object: Literal["ticket"] = "ticket"
    created_at: int
    updated_at: int
    client: Client
    teammate_id: str | None
    replies: list[Reply]
    category: str
    subcategory: str | None
    language: str


class TicketData(_Model):
    ticket: Ticket


class ReplyData(_Model):
    ticket: Ticket
    reply: Reply


class _Event(_Model, Generic[EventType, Data]):
    # The golden payloads' field order: event_type and data sit between the common fields.
    event_id: str
    event_type: EventType
    api_version: int
    object: Literal["event"] = "event"
    data: Data
    endpoint_id: str


class TicketCreated(_Event[Literal["whitelabel.ticket.created"], TicketData]):
    pass


class TicketUpdated(_Event[Literal["whitelabel.ticket.updated"], ReplyData]):
    """A new reply, by the client or an agent: `data.reply`."""


class TicketAssigned(_Event[Literal["whitelabel.ticket.assigned"], TicketData]):
    pass


class TicketResolved(_Event[Literal["whitelabel.ticket.resolved"], TicketData]):
    pass


class WebhookEndpoint(_Model):
    """An endpoint as the API shows it, without its custom headers."""

    id: str
    object: Literal["webhook_endpoint"] = "webhook_endpoint"
    url: str
    events: list[str]
    description: str | None
    status: str
    api_version: int
    created_at: int
    ordered: bool
    disabled_reason: str | None
    rate_limit: int | None = None


class EndpointDisabledData(_Model):
    webhook_endpoint: WebhookEndpoint
    reason: str  # "gone" (it answered 410) or "failing" (no success for too long)
    failing_since: int | None
    disabled_at: int


class WebhookEvent(_Model):
    """One event sent to one endpoint, as the event log lists it."""

    id: str
    object: Literal["webhook_event"] = "webhook_event"
    event_type: str
    endpoint_id: str
    status: str
    attempt_count: int
    next_attempt_at: int | None
    created_at: int


class LastAttempt(_Model):
    at: int
    status_code: int | None  # None when no HTTP answer came (timeout, refused connection, ...)
    error: str | None


class EventFailedData(_Model):
    webhook_event: WebhookEvent
    last_attempt: LastAttempt


class WebhookEndpointDisabled(_Event[Literal["webhook_endpoint.disabled"], EndpointDisabledData]):
    """hookdesk disabled another endpoint of the account by itself: `data.reason` says why."""


class WebhookEventFailed(_Event[Literal["webhook_event.failed"], EventFailedData]):
    """A delivery to another endpoint of the account failed for good (its retries are spent)."""


AnyEvent = (
    TicketCreated
    | TicketUpdated
    | TicketAssigned
    | TicketResolved
    | WebhookEndpointDisabled
    | WebhookEventFailed
)
Event = Annotated[AnyEvent, Field(discriminator="event_type")]
_EVENT: TypeAdapter[Event] = TypeAdapter(Event)


def parse_event(body: bytes | str) -> AnyEvent:
    """The typed event of a (verified) body; a pydantic ValidationError if it is not one."""
    return _EVENT.validate_json(body)

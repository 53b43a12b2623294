"""For those who receive hookdesk's webhooks: verify signatures, parse typed events.

Installable on its own (`pip install hookdesk`, without the `server` extra): it needs only
pydantic. Framework helpers live in `hookdesk.receiver.frameworks.fastapi`, `.flask` and
`.django`.
"""

from hookdesk.receiver.errors import (
    InvalidSecret,
    MissingHeader,
    NoMatchingSignature,
    StaleTimestamp,
    WebhookVerificationError,
)
from hookdesk.receiver.events import (
    Asset,
    Client,
    Event,
    LastAttempt,
    Reply,
    Ticket,
    TicketAssigned,
    TicketCreated,
    TicketResolved,
    TicketUpdated,
    WebhookEndpoint,
    WebhookEndpointDisabled,
    WebhookEvent,
    WebhookEventFailed,
    parse_event,
)
from hookdesk.receiver.verify import DEFAULT_TOLERANCE, verify

__all__ = [
    "DEFAULT_TOLERANCE",
    "Asset",
    "Client",
    "Event",
    "InvalidSecret",
    "LastAttempt",
    "MissingHeader",
    "NoMatchingSignature",
    "Reply",
    "StaleTimestamp",
    "Ticket",
    "TicketAssigned",
    "TicketCreated",
    "TicketResolved",
    "TicketUpdated",
    "WebhookEndpoint",
    "WebhookEndpointDisabled",
    "WebhookEvent",
    "WebhookEventFailed",
    "WebhookVerificationError",
    "parse_event",
    "verify",
]

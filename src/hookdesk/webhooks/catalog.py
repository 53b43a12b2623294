from enum import StrEnum


class EventType(StrEnum):
    TICKET_CREATED = "whitelabel.ticket.created"
    TICKET_UPDATED = "whitelabel.ticket.updated"
    TICKET_ASSIGNED = "whitelabel.ticket.assigned"
    TICKET_RESOLVED = "whitelabel.ticket.resolved"
    # Operational events: about the account's webhooks themselves, not about a ticket.
    ENDPOINT_DISABLED = "webhook_endpoint.disabled"
    EVENT_FAILED = "webhook_event.failed"


OPERATIONAL_EVENT_TYPES = frozenset({EventType.ENDPOINT_DISABLED, EventType.EVENT_FAILED})
API_VERSION = 2
SUPPORTED_API_VERSIONS = frozenset({2})

from enum import StrEnum


class EventType(StrEnum):
    TICKET_CREATED = "whitelabel.ticket.created"
    TICKET_UPDATED = "whitelabel.ticket.updated"
    TICKET_ASSIGNED = "whitelabel.ticket.assigned"
    TICKET_RESOLVED = "whitelabel.ticket.resolved"


API_VERSION = 2
SUPPORTED_API_VERSIONS = frozenset({2})

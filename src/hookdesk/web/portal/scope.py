"""The ticket service's scope for the client in the portal."""

from hookdesk.config import Settings
from hookdesk.tickets.service import TicketScope
from hookdesk.web.auth import PortalClient


def scope_of(client: PortalClient, settings: Settings) -> TicketScope:
    return TicketScope(account_id=client.account_id, public_url=settings.public_url)

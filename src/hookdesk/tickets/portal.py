"""A client's tickets, as the portal shows them: a client reaches only tickets of their own.

Another client's ticket is answered as an unknown one, so that ids cannot be probed.
"""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from hookdesk.errors import NotFound
from hookdesk.models.tickets import Ticket
from hookdesk.shared.paging import Page
from hookdesk.shared.queries import find_owned
from hookdesk.tickets import listing, service
from hookdesk.tickets.schemas import ReplyCreate
from hookdesk.tickets.service import TicketActing
from hookdesk.webhooks.payloads import TicketView


def tickets_of(
    session: Session, *, account_id: str, client_id: str, page: Page
) -> tuple[int, Sequence[Ticket]]:
    """The client's tickets, newest first."""
    filters = listing.TicketFilters(client_id=client_id)
    return listing.list_page(session, account_id=account_id, filters=filters, page=page)


def latest_language(session: Session, *, account_id: str, client_id: str) -> str | None:
    """The language of the client's most recently active ticket (its category's); None for a
    client without tickets."""
    statement = (
        select(Ticket.language)
        .where(Ticket.account_id == account_id, Ticket.client_id == client_id)
        .order_by(Ticket.updated_at.desc(), Ticket.created_us.desc())
        .limit(1)
    )
    return session.scalar(statement)


def get(session: Session, acting: TicketActing, *, client_id: str, ticket_id: str) -> TicketView:
    _own(session, acting, client_id, ticket_id)
    return service.get(session, acting, ticket_id)


def reply(
    session: Session, acting: TicketActing, *, client_id: str, ticket_id: str, data: ReplyCreate
) -> TicketView:
    _own(session, acting, client_id, ticket_id)
    return service.reply(session, acting, ticket_id, data)


def resolve(
    session: Session, acting: TicketActing, *, client_id: str, ticket_id: str
) -> TicketView:
    """Resolved by the client; a ticket an agent resolved meanwhile is left as it is."""
    if not _own(session, acting, client_id, ticket_id).is_open:
        return service.get(session, acting, ticket_id)
    return service.resolve(session, acting, ticket_id, by_client=True)


def _own(session: Session, acting: TicketActing, client_id: str, ticket_id: str) -> Ticket:
    ticket = find_owned(session, Ticket, account_id=acting.account_id, object_id=ticket_id)
    if ticket is None or ticket.client_id != client_id:
        raise NotFound.of("ticket", ticket_id)
    return ticket

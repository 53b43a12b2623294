"""The tickets before and after one in the inbox's order (its open view, last activity first):
where the ticket page's j and k keys lead."""

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from hookdesk.errors import NotFound
from hookdesk.models.tickets import Ticket
from hookdesk.shared.queries import find_owned


def adjacent(session: Session, *, account_id: str, ticket_id: str) -> tuple[str | None, str | None]:
    """(the previous ticket's id, the next one's): the open tickets just above and just below
    this one in the inbox, the ticket itself open or not."""
    ticket = find_owned(session, Ticket, account_id=account_id, object_id=ticket_id)
    if ticket is None:
        raise NotFound.of("ticket", ticket_id)
    # The inbox's order: updated_at, then created_us, then id, all descending.
    key = tuple_(Ticket.updated_at, Ticket.created_us, Ticket.id)
    here = tuple_(ticket.updated_at, ticket.created_us, ticket.id)
    open_tickets = select(Ticket.id).where(
        Ticket.account_id == account_id, Ticket.is_open.is_(True)
    )
    above = open_tickets.where(key > here).order_by(Ticket.updated_at, Ticket.created_us, Ticket.id)
    below = open_tickets.where(key < here).order_by(
        Ticket.updated_at.desc(), Ticket.created_us.desc(), Ticket.id.desc()
    )
    return session.scalar(above.limit(1)), session.scalar(below.limit(1))

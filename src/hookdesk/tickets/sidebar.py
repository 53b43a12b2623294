"""The console's client sidebar beside a ticket: the client, since when, their other tickets."""

from dataclasses import dataclass

from sqlalchemy.orm import Session

from hookdesk.clients import service as clients
from hookdesk.shared.paging import Page
from hookdesk.tickets import listing


@dataclass(frozen=True)
class OtherTicket:
    id: str
    title: str
    is_open: bool
    updated_at: int


@dataclass(frozen=True)
class ClientSide:
    client_since: int
    # The client's other tickets, last active first, at most `shown` of them.
    others: list[OtherTicket]
    # How many other tickets they have in all.
    total: int


def client_side(
    session: Session, *, account_id: str, client_id: str, ticket_id: str, shown: int
) -> ClientSide:
    client = clients.get(session, account_id=account_id, client_id=client_id)
    filters = listing.TicketFilters(client_id=client.id, sort_by="updated_at")
    total, theirs = listing.list_page(
        session, account_id=account_id, filters=filters, page=Page(1, shown + 1)
    )
    others = [
        OtherTicket(id=t.id, title=t.title, is_open=t.is_open, updated_at=t.updated_at)
        for t in theirs
        if t.id != ticket_id
    ]
    return ClientSide(client_since=client.created_at, others=others[:shown], total=total - 1)

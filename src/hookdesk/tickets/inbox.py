"""The console's inbox: its views (open, mine, unassigned, waiting on us, resolved), how many
tickets each holds, and a page of one of them. The other filters are the API list's
(`listing.TicketFilters`).

Unfiltered, the counts are read from `ticket_counts` (a few rows an account, kept by triggers:
models/tickets.py `TicketCount`) rather than from the tickets, which at a million tickets took a
fifth of a second; filtered, they are counted among the tickets the filters keep. Each view's
first page by last activity reads an index in that order (models/tickets.py)."""

from collections.abc import Sequence
from dataclasses import replace
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from hookdesk.models.tickets import Ticket, TicketCount
from hookdesk.shared.paging import Page
from hookdesk.tickets import listing


class View(StrEnum):
    OPEN = "open"
    MINE = "mine"
    UNASSIGNED = "unassigned"
    WAITING = "waiting"
    CLOSED = "closed"


def _in_view(view: View, teammate_id: str) -> ColumnElement[bool]:
    """What a ticket of `view` is, for the teammate looking; every view but CLOSED is open
    tickets."""
    if view is View.CLOSED:
        return Ticket.is_open.is_(False)
    narrower: dict[View, list[ColumnElement[bool]]] = {
        View.OPEN: [],
        View.MINE: [Ticket.teammate_id == teammate_id],
        View.UNASSIGNED: [Ticket.teammate_id.is_(None)],
        View.WAITING: [Ticket.awaiting_agent.is_(True)],
    }
    return and_(Ticket.is_open.is_(True), *narrower[view])


def counts(
    session: Session, *, account_id: str, teammate_id: str, filters: listing.TicketFilters
) -> dict[View, int]:
    """How many of the tickets `filters` keep each view holds: one query, one pass."""
    if _unfiltered(filters):
        return _kept_counts(session, account_id=account_id, teammate_id=teammate_id)
    statement = select(*(func.count().filter(_in_view(view, teammate_id)) for view in View)).where(
        listing.owned_by(session, account_id, filters),
        *listing.conditions(session, account_id=account_id, filters=filters),
    )
    row = session.execute(statement).one()
    return dict(zip(View, (int(n) for n in row), strict=True))


def _unfiltered(filters: listing.TicketFilters) -> bool:
    """Whether `filters` keep every ticket: they only say in which order."""
    return replace(filters, order="desc", sort_by="created_at") == listing.TicketFilters()


def _kept_counts(session: Session, *, account_id: str, teammate_id: str) -> dict[View, int]:
    found = dict.fromkeys(View, 0)
    rows = session.execute(
        select(
            TicketCount.is_open,
            TicketCount.teammate_id,
            TicketCount.awaiting_agent,
            TicketCount.tickets,
        ).where(TicketCount.account_id == account_id)
    )
    for is_open, teammate, awaiting_agent, tickets in rows:
        if not is_open:
            found[View.CLOSED] += tickets
            continue
        found[View.OPEN] += tickets
        found[View.MINE] += tickets if teammate == teammate_id else 0
        found[View.UNASSIGNED] += tickets if teammate == "" else 0
        found[View.WAITING] += tickets if awaiting_agent else 0
    return found


def page_of(
    session: Session,
    *,
    account_id: str,
    teammate_id: str,
    view: View,
    filters: listing.TicketFilters,
    page: Page,
) -> Sequence[Ticket]:
    """One page of `view`'s tickets among those `filters` keep, in the filters' order."""
    statement = select(Ticket).where(
        listing.owned_by(session, account_id, filters),
        *listing.conditions(session, account_id=account_id, filters=filters),
        _in_view(view, teammate_id),
    )
    statement = listing.in_order(statement, filters).offset(page.offset).limit(page.per_page)
    return session.scalars(statement).all()

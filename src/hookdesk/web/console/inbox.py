"""The inbox: open, mine, unassigned or closed tickets; by category; searched; newest first."""

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from hookdesk.categories import service as categories
from hookdesk.db.dependencies import Db
from hookdesk.shared.dependencies import CurrentSettings
from hookdesk.shared.ids import parse_uuid
from hookdesk.shared.paging import MAX_PAGE, Page
from hookdesk.teammates import service as teammates
from hookdesk.tickets import listing, views
from hookdesk.web.auth import Agent, CurrentAgent
from hookdesk.web.pages import render

router = APIRouter(prefix="/console")
PER_PAGE = 20


class View(StrEnum):
    OPEN = "open"
    MINE = "mine"
    UNASSIGNED = "unassigned"
    CLOSED = "closed"


VIEW_TITLES = {
    View.OPEN: "Open",
    View.MINE: "Mine",
    View.UNASSIGNED: "Unassigned",
    View.CLOSED: "Closed",
}


@dataclass(frozen=True)
class InboxQuery:
    view: View
    category: str
    q: str
    page: int


@router.get("")
def inbox(
    request: Request,
    agent: CurrentAgent,
    db: Db,
    settings: CurrentSettings,
    view: View = View.OPEN,
    category: str = "",
    q: Annotated[str, Query(max_length=200)] = "",
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
) -> Response:
    query = InboxQuery(view=view, category=category, q=q.strip(), page=page)
    with db.read() as session:
        total, tickets = listing.list_page(
            session,
            account_id=agent.account_id,
            filters=_filters(query, agent),
            page=Page(page, PER_PAGE),
        )
        context = {
            "title": "Inbox",
            "agent": agent,
            "section": "inbox",
            "query": query,
            "views": VIEW_TITLES,
            "tickets": views.ticket_views(
                session,
                account_id=agent.account_id,
                tickets=tickets,
                public_url=settings.public_url,
            ),
            "total": total,
            "pages": max(1, -(-total // PER_PAGE)),
            "categories": categories.list_all(session, account_id=agent.account_id),
            "teammates": teammates.names(session, account_id=agent.account_id),
        }
    return render(request, "console/inbox.html", context)


def _filters(query: InboxQuery, agent: Agent) -> listing.TicketFilters:
    return listing.TicketFilters(
        text=query.q or None,
        closed=query.view == View.CLOSED,
        teammate_id=agent.teammate_id if query.view == View.MINE else None,
        unassigned=query.view == View.UNASSIGNED,
        category_id=parse_uuid(query.category) if query.category else None,
    )

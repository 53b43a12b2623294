"""The clients' portal, under the account's brand: entered through a one-time link.

This router is the one mounted; the portal's home, the client's tickets, is here.
"""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from hookdesk.db.dependencies import Db
from hookdesk.shared.paging import MAX_PAGE, Page
from hookdesk.tickets import portal
from hookdesk.web.auth import CurrentClient
from hookdesk.web.portal import email_link, enter, language, new_ticket, rating, tickets
from hookdesk.web.portal.language import N_

router = APIRouter(prefix="/portal")
PER_PAGE = 20


@router.get("")
def my_tickets(
    request: Request,
    client: CurrentClient,
    db: Db,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
) -> Response:
    with db.read() as session:
        total, shown = portal.tickets_of(
            session,
            account_id=client.account_id,
            client_id=client.client_id,
            page=Page(page, PER_PAGE),
        )
    speaks = language.of_client(db, account_id=client.account_id, client_id=client.client_id)
    context = {
        "client": client,
        "section": "tickets",
        "title": language.translate(speaks, N_("My tickets")),
        "tickets": shown,
        "page": page,
        "pages": max(1, -(-total // PER_PAGE)),
    }
    return language.render_in(speaks, request, "portal/tickets.html", context)


router.include_router(enter.router)
router.include_router(email_link.router)
router.include_router(new_ticket.router)
router.include_router(tickets.router)
router.include_router(rating.router)

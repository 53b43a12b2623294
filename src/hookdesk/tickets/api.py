from typing import Annotated

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse

from hookdesk.accounts.dependencies import CurrentAccount
from hookdesk.db.dependencies import Db
from hookdesk.shared import responses
from hookdesk.shared.dependencies import CurrentSettings
from hookdesk.shared.paging import RequiredPaging
from hookdesk.tickets import listing, service, views
from hookdesk.tickets.schemas import (
    ReplyCreate,
    TicketAssign,
    TicketCreate,
    TicketRead,
    TicketResolve,
)
from hookdesk.webhooks.payloads import TicketView, ticket_object

router = APIRouter(prefix="/v2/agency/tickets", tags=["tickets"])
ONE = responses.documents_one("ticket", TicketRead, 404)


def _scope(account_id: str, settings: CurrentSettings) -> service.TicketScope:
    return service.TicketScope(account_id=account_id, public_url=settings.public_url)


def _answer(view: TicketView) -> JSONResponse:
    return responses.one("ticket", ticket_object(view))


@router.post("/create", responses=ONE)
def create_ticket(
    body: TicketCreate, account_id: CurrentAccount, db: Db, settings: CurrentSettings
) -> JSONResponse:
    with db.write() as session:
        return _answer(service.create(session, _scope(account_id, settings), body))


@router.get("/list", responses=responses.documents_many("tickets", TicketRead))
def list_tickets(
    account_id: CurrentAccount,
    db: Db,
    settings: CurrentSettings,
    page: RequiredPaging,
    filters: listing.TicketQuery,
) -> JSONResponse:
    with db.read() as session:
        total, tickets = listing.list_page(
            session, account_id=account_id, filters=filters, page=page
        )
        found = views.ticket_views(
            session, account_id=account_id, tickets=tickets, public_url=settings.public_url
        )
        return responses.many("tickets", total, [ticket_object(v) for v in found])


@router.get("/retrieve/{ticket_id}", responses=ONE)
def retrieve_ticket(
    ticket_id: str, account_id: CurrentAccount, db: Db, settings: CurrentSettings
) -> JSONResponse:
    with db.read() as session:
        return _answer(service.get(session, _scope(account_id, settings), ticket_id))


@router.post("/reply/create/{ticket_id}", responses=ONE)
def reply_to_ticket(
    ticket_id: str,
    body: ReplyCreate,
    account_id: CurrentAccount,
    db: Db,
    settings: CurrentSettings,
) -> JSONResponse:
    with db.write() as session:
        return _answer(service.reply(session, _scope(account_id, settings), ticket_id, body))


@router.post("/assign/{ticket_id}", responses=ONE)
def assign_ticket(
    ticket_id: str,
    body: TicketAssign,
    account_id: CurrentAccount,
    db: Db,
    settings: CurrentSettings,
) -> JSONResponse:
    scope = _scope(account_id, settings)
    with db.write() as session:
        return _answer(service.assign(session, scope, ticket_id, body.teammate_id))


@router.post("/resolve/{ticket_id}", responses=ONE)
def resolve_ticket(
    ticket_id: str,
    account_id: CurrentAccount,
    db: Db,
    settings: CurrentSettings,
    body: Annotated[TicketResolve | None, Body()] = None,
) -> JSONResponse:
    by_client = body.by_client if body else False
    scope = _scope(account_id, settings)
    with db.write() as session:
        return _answer(service.resolve(session, scope, ticket_id, by_client=by_client))

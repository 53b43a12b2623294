from typing import Annotated

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from hookdesk.accounts.dependencies import CurrentAccount, CurrentActing
from hookdesk.db import dependencies as database
from hookdesk.db.dependencies import Db
from hookdesk.db.direct import Unit
from hookdesk.errors import NotFound
from hookdesk.shared import responses
from hookdesk.shared.dependencies import CurrentSettings
from hookdesk.shared.paging import Paging, RequiredPaging
from hookdesk.tickets import listing, notes, service, views
from hookdesk.tickets.schemas import (
    NoteCreate,
    NoteRead,
    ReplyCreate,
    TicketAssign,
    TicketCreate,
    TicketRead,
    TicketResolve,
    TicketUpdate,
    note_object,
)
from hookdesk.webhooks.payloads import TicketView

router = APIRouter(prefix="/v2/agency/tickets", tags=["tickets"])
ONE = responses.documents_one("ticket", TicketRead, 404)


def _answer(view: TicketView) -> JSONResponse:
    return responses.one("ticket", views.agency_object(view))


# The writes are async routes that write through `database.write`: on PostgreSQL their
# statements are awaited on the event loop, where a worker thread cost a third of a create's CPU.
@router.post("/create", responses=ONE)
async def create_ticket(body: TicketCreate, acting: CurrentActing, db: Db) -> JSONResponse:
    def create(unit: Unit) -> JSONResponse:
        return _answer(service.create(unit, acting, body))

    # Files are attached through the ORM; the rows of a ticket without any are the driver's.
    if body.assets:
        return await database.write(db, create)
    return await database.write_directly(db, create)


@router.get("/list", responses=responses.documents_many("tickets", TicketRead))
async def list_tickets(
    account_id: CurrentAccount,
    db: Db,
    settings: CurrentSettings,
    page: RequiredPaging,
    filters: listing.TicketQuery,
) -> JSONResponse:
    quick = listing.is_quick(filters, page)
    if db.on_loop is not None and quick:
        bound = {"account_id": account_id, "offset": page.offset, "limit": page.per_page}
        total, found = await views.agency_page_read(
            db.on_loop,
            listing.placed_page(filters),
            bound,
            account_id=account_id,
            public_url=settings.public_url,
        )
        if total is None:
            total = await listing.total_fetched(db.on_loop, account_id)
        return responses.many("tickets", total, found)
    if quick:  # SQLite: read by the driver alone, on the loop
        with db.snapshot() as snapshot:
            total, ids = listing.page_of_all(snapshot.fetch, account_id, filters, page)
            found = views.agency_objects_fetched(
                snapshot.fetch,
                account_id=account_id,
                ticket_ids=ids,
                public_url=settings.public_url,
            )
        return responses.many("tickets", total, found)

    def read(session: Session) -> JSONResponse:
        total, ids = listing.list_ids(session, account_id=account_id, filters=filters, page=page)
        found = views.agency_objects(
            session, account_id=account_id, ticket_ids=ids, public_url=settings.public_url
        )
        return responses.many("tickets", total, found)

    return await database.read(db, read)


@router.get("/retrieve/{ticket_id}", responses=ONE)
async def retrieve_ticket(ticket_id: str, acting: CurrentActing, db: Db) -> JSONResponse:
    found = await views.agency_object_read(
        db, account_id=acting.account_id, ticket_id=ticket_id, public_url=acting.public_url
    )
    if found is None:
        raise NotFound.of("ticket", ticket_id)
    return responses.one("ticket", found)


@router.post("/update/{ticket_id}", responses=ONE)
async def update_ticket(
    ticket_id: str,
    body: TicketUpdate,
    acting: CurrentActing,
    db: Db,
) -> JSONResponse:
    return await database.write(
        db, lambda session: _answer(service.update(session, acting, ticket_id, body))
    )


@router.post("/reply/create/{ticket_id}", responses=ONE)
async def reply_to_ticket(
    ticket_id: str,
    body: ReplyCreate,
    acting: CurrentActing,
    db: Db,
) -> JSONResponse:
    return await database.write(
        db, lambda session: _answer(service.reply(session, acting, ticket_id, body))
    )


@router.post("/assign/{ticket_id}", responses=ONE)
async def assign_ticket(
    ticket_id: str,
    body: TicketAssign,
    acting: CurrentActing,
    db: Db,
) -> JSONResponse:
    return await database.write(
        db, lambda session: _answer(service.assign(session, acting, ticket_id, body.teammate_id))
    )


@router.post("/resolve/{ticket_id}", responses=ONE)
async def resolve_ticket(
    ticket_id: str,
    acting: CurrentActing,
    db: Db,
    body: Annotated[TicketResolve | None, Body()] = None,
) -> JSONResponse:
    by_client = body.by_client if body else False
    return await database.write(
        db,
        lambda session: _answer(service.resolve(session, acting, ticket_id, by_client=by_client)),
    )


@router.post(
    "/notes/create/{ticket_id}", responses=responses.documents_one("ticket_note", NoteRead, 404)
)
async def create_note(
    ticket_id: str, body: NoteCreate, account_id: CurrentAccount, db: Db
) -> JSONResponse:
    def write(session: Session) -> JSONResponse:
        note = notes.create(session, account_id=account_id, ticket_id=ticket_id, data=body)
        return responses.one("ticket_note", note_object(note))

    return await database.write(db, write)


@router.get(
    "/notes/list/{ticket_id}", responses=responses.documents_many("ticket_notes", NoteRead, 404)
)
def list_notes(ticket_id: str, account_id: CurrentAccount, db: Db, page: Paging) -> JSONResponse:
    with db.read() as session:
        total, found = notes.list_page(
            session, account_id=account_id, ticket_id=ticket_id, page=page
        )
        return responses.many("ticket_notes", total, [note_object(n) for n in found])

"""One of the client's tickets: the conversation, kept current by polling; replying; resolving."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from hookdesk.accounts.acting import Acting
from hookdesk.assets import service as assets
from hookdesk.config import MIB, Settings
from hookdesk.db.dependencies import Db
from hookdesk.errors import BadRequest, TooLarge
from hookdesk.shared.dependencies import CurrentSettings
from hookdesk.tickets import portal
from hookdesk.tickets.schemas import MAX_ASSETS_PER_REPLY, ReplyCreate
from hookdesk.web.auth import ClientActing, ClientForm, CurrentClient, PortalClient
from hookdesk.web.forms import field_errors
from hookdesk.web.pages import Errors, conversation_version, redirect, text
from hookdesk.web.portal import language
from hookdesk.web.portal.forms import MESSAGES
from hookdesk.web.uploads import stored_uploads
from hookdesk.webhooks.payloads import TicketView

router = APIRouter()
FIELDS = {"reply": "reply", "assets": "attachments"}  # ReplyCreate's field names -> the form's


@router.get("/tickets/{ticket_id}")
def ticket_page(
    request: Request,
    ticket_id: str,
    client: CurrentClient,
    acting: ClientActing,
    db: Db,
    settings: CurrentSettings,
) -> Response:
    ticket = _ticket(acting, client, db, ticket_id)
    return _ticket_page(request, client, ticket, settings, reply="", errors={})


@router.get("/tickets/{ticket_id}/conversation")
def conversation(
    request: Request,
    ticket_id: str,
    client: CurrentClient,
    acting: ClientActing,
    db: Db,
    version: str = "",
) -> Response:
    """The conversation, polled by the ticket page; 204 (nothing to swap) while unchanged."""
    ticket = _ticket(acting, client, db, ticket_id)
    if version == conversation_version(ticket):
        return Response(status_code=204)
    speaks = language.of_ticket(ticket)
    return language.render_in(
        speaks, request, "portal/_conversation.html", _conversation(client, ticket)
    )


@router.post("/tickets/{ticket_id}/reply")
def reply(
    request: Request,
    ticket_id: str,
    client: CurrentClient,
    acting: ClientActing,
    form: ClientForm,
    db: Db,
    settings: CurrentSettings,
) -> Response:
    written = text(form, "reply")
    try:
        data = ReplyCreate(reply=written, is_client_reply=True)
        replied = _reply(form, data, client, acting, db, settings, ticket_id)
    except (ValidationError, BadRequest, TooLarge) as refused:
        errors = field_errors(refused, fields=FIELDS, messages=MESSAGES)
    else:
        return redirect(f"/portal/tickets/{replied.id}")
    ticket = _ticket(acting, client, db, ticket_id)
    return _ticket_page(request, client, ticket, settings, written, errors, status=400)


@router.post("/tickets/{ticket_id}/resolve")
def resolve(
    ticket_id: str, client: CurrentClient, acting: ClientActing, _form: ClientForm, db: Db
) -> Response:
    with db.write() as session:
        resolved = portal.resolve(session, acting, client_id=client.client_id, ticket_id=ticket_id)
    return redirect(f"/portal/tickets/{resolved.id}")


def _reply(
    form: FormData,
    data: ReplyCreate,
    client: PortalClient,
    acting: Acting,
    db: Db,
    settings: Settings,
    ticket_id: str,
) -> TicketView:
    with (
        stored_uploads(
            form, "attachments", account_id=client.account_id, settings=settings
        ) as uploaded,
        db.write() as session,
    ):
        added = assets.add(session, account_id=client.account_id, files=uploaded)
        data = data.model_copy(update={"assets": added})
        return portal.reply(
            session, acting, client_id=client.client_id, ticket_id=ticket_id, data=data
        )


def _ticket(acting: Acting, client: PortalClient, db: Db, ticket_id: str) -> TicketView:
    with db.read() as session:
        return portal.get(session, acting, client_id=client.client_id, ticket_id=ticket_id)


def _ticket_page(
    request: Request,
    client: PortalClient,
    ticket: TicketView,
    settings: Settings,
    reply: str,
    errors: Errors,
    status: int = 200,
) -> Response:
    context = _conversation(client, ticket) | {
        "section": "tickets",
        "title": ticket.title,
        "reply": reply,
        "errors": language.translated(language.of_ticket(ticket), errors),
        "max_files": MAX_ASSETS_PER_REPLY,
        "max_megabytes": settings.max_asset_bytes // MIB,
    }
    speaks = language.of_ticket(ticket)
    return language.render_in(speaks, request, "portal/ticket.html", context, status=status)


def _conversation(client: PortalClient, ticket: TicketView) -> dict[str, Any]:
    return {"client": client, "ticket": ticket, "version": conversation_version(ticket)}

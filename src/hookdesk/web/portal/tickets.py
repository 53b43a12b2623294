"""One of the client's tickets: the conversation, kept current by polling with the status and
the buttons that follow it (resolve, or rate once resolved); replying; resolving."""

from dataclasses import dataclass
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
from hookdesk.ratings import service as ratings
from hookdesk.ratings.schemas import RatingView
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
    shown = shown_ticket(acting, client, db, ticket_id)
    return ticket_page_answer(request, client, shown, settings, reply="", errors={})


@router.get("/tickets/{ticket_id}/conversation")
def conversation(
    request: Request,
    ticket_id: str,
    client: CurrentClient,
    acting: ClientActing,
    db: Db,
    version: str = "",
) -> Response:
    """The conversation, polled by the ticket page; 204 (nothing to swap) while unchanged. With
    it, out of band, the page's other parts that follow the ticket's status: an agent's reply
    reopening the ticket brings back its Resolve button, resolving it asks for a rating."""
    shown = shown_ticket(acting, client, db, ticket_id)
    if version == conversation_version(shown.ticket):
        return Response(status_code=204)
    speaks = language.of_ticket(shown.ticket)
    return language.render_in(speaks, request, "portal/_live.html", _conversation(client, shown))


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
    shown = shown_ticket(acting, client, db, ticket_id)
    return ticket_page_answer(request, client, shown, settings, written, errors, status=400)


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


@dataclass(frozen=True)
class Shown:
    ticket: TicketView
    rating: RatingView | None  # of its latest resolution


def shown_ticket(acting: Acting, client: PortalClient, db: Db, ticket_id: str) -> Shown:
    with db.read() as session:
        ticket = portal.get(session, acting, client_id=client.client_id, ticket_id=ticket_id)
        rating = ratings.current(session, account_id=client.account_id, ticket_id=ticket.id)
        return Shown(ticket, rating)


def ticket_page_answer(
    request: Request,
    client: PortalClient,
    shown: Shown,
    settings: Settings,
    reply: str,
    errors: Errors,
    status: int = 200,
) -> Response:
    """The ticket's page; `errors` are the reply form's, or the rating form's (`rating`,
    `comment`)."""
    speaks = language.of_ticket(shown.ticket)
    context = _conversation(client, shown) | {
        "section": "tickets",
        "title": shown.ticket.title,
        "reply": reply,
        "errors": language.translated(speaks, errors),
        "max_files": MAX_ASSETS_PER_REPLY,
        "max_megabytes": settings.max_asset_bytes // MIB,
    }
    return language.render_in(speaks, request, "portal/ticket.html", context, status=status)


def _conversation(client: PortalClient, shown: Shown) -> dict[str, Any]:
    return {
        "client": client,
        "ticket": shown.ticket,
        "rating": shown.rating,
        "version": conversation_version(shown.ticket),
    }

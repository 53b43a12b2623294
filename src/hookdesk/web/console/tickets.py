"""A ticket in the console: the conversation, replying with files, assigning, resolving."""

from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from hookdesk.accounts.acting import Acting
from hookdesk.assets import service as assets
from hookdesk.db.dependencies import Db
from hookdesk.errors import HookdeskError
from hookdesk.shared.dependencies import CurrentSettings
from hookdesk.shared.ids import parse_uuid
from hookdesk.teammates import service as teammates
from hookdesk.tickets import service, views
from hookdesk.tickets.schemas import MAX_ASSETS_PER_REPLY, ReplyCreate
from hookdesk.web.auth import Agent, AgentActing, AgentForm, CurrentAgent
from hookdesk.web.forms import field_errors
from hookdesk.web.pages import Errors, conversation_version, redirect, render, text
from hookdesk.web.uploads import stored_uploads
from hookdesk.webhooks.payloads import TicketView

router = APIRouter(prefix="/console/tickets")


@router.get("/{ticket_id}")
def ticket_page(
    request: Request, ticket_id: str, agent: CurrentAgent, acting: AgentActing, db: Db
) -> Response:
    return _page(request, agent, acting, db, ticket_id)


@router.get("/{ticket_id}/conversation")
def conversation(
    request: Request,
    ticket_id: str,
    agent: CurrentAgent,
    acting: AgentActing,
    db: Db,
    version: str = "",
) -> Response:
    """Polled by the ticket page: the conversation again once the ticket changed, else 204."""
    ticket, context = _context(agent, acting, db, ticket_id)
    if version == conversation_version(ticket):
        return Response(status_code=204)
    return render(request, "console/_conversation.html", context)


@router.post("/{ticket_id}/reply")
def reply(
    request: Request,
    ticket_id: str,
    agent: CurrentAgent,
    acting: AgentActing,
    form: AgentForm,
    db: Db,
    settings: CurrentSettings,
) -> Response:
    draft = text(form, "reply")
    try:
        data = ReplyCreate(reply=draft)
        # Files are stored before the transaction, so the write lock is not held meanwhile.
        with (
            stored_uploads(
                form, "attachments", account_id=agent.account_id, settings=settings
            ) as uploads,
            db.write() as session,
        ):
            data.assets = assets.add(session, account_id=agent.account_id, files=uploads)
            service.reply(session, acting, ticket_id, data, author_id=agent.teammate_id)
    except (ValidationError, HookdeskError) as invalid:
        if isinstance(invalid, HookdeskError) and invalid.status == 404:
            raise
        errors = field_errors(invalid, default="reply")
        return _page(request, agent, acting, db, ticket_id, errors, draft)
    return redirect(f"/console/tickets/{ticket_id}")


@router.post("/{ticket_id}/assign")
def assign(
    ticket_id: str, agent: CurrentAgent, acting: AgentActing, form: AgentForm, db: Db
) -> Response:
    chosen = text(form, "teammate_id")
    teammate = UUID(chosen) if parse_uuid(chosen) else None
    with db.write() as session:
        service.assign(session, acting, ticket_id, teammate, actor_id=agent.teammate_id)
    return redirect(f"/console/tickets/{ticket_id}")


@router.post("/{ticket_id}/resolve")
def resolve(
    request: Request,
    ticket_id: str,
    agent: CurrentAgent,
    acting: AgentActing,
    _form: AgentForm,
    db: Db,
) -> Response:
    try:
        with db.write() as session:
            service.resolve(session, acting, ticket_id, by_client=False)
    except HookdeskError as refused:
        if refused.status == 404:
            raise
        return _page(request, agent, acting, db, ticket_id, {"_form": refused.message})
    return redirect(f"/console/tickets/{ticket_id}")


def _page(
    request: Request,
    agent: Agent,
    acting: Acting,
    db: Db,
    ticket_id: str,
    errors: Errors | None = None,
    draft: str = "",
) -> Response:
    _, context = _context(agent, acting, db, ticket_id)
    context |= {"errors": errors or {}, "draft": draft}
    return render(request, "console/ticket.html", context, status=400 if errors else 200)


def _context(
    agent: Agent, acting: Acting, db: Db, ticket_id: str
) -> tuple[TicketView, dict[str, object]]:
    with db.read() as session:
        ticket = service.get(session, acting, ticket_id)
        return ticket, {
            "title": ticket.title,
            "agent": agent,
            "section": "inbox",
            "ticket": ticket,
            "authors": views.reply_authors(
                session, account_id=agent.account_id, ticket_id=ticket.id
            ),
            "teammates": teammates.names(session, account_id=agent.account_id),
            "assignable": teammates.assignable(session, account_id=agent.account_id),
            "version": conversation_version(ticket),
            "max_files": MAX_ASSETS_PER_REPLY,
        }

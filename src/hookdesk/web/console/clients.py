"""The clients: find one by name or email, add one, see their tickets, open a ticket for them,
and let them into the portal with a link to copy or one sent by email."""

from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError

from hookdesk.access import links
from hookdesk.categories import service as categories
from hookdesk.clients import service as clients
from hookdesk.clients.schemas import ClientCreate, client_object
from hookdesk.db.dependencies import Db
from hookdesk.errors import HookdeskError, NotFound
from hookdesk.mail import outbox
from hookdesk.mail import settings as mail_settings
from hookdesk.shared.dependencies import CurrentSettings
from hookdesk.shared.paging import Page
from hookdesk.tickets import listing
from hookdesk.tickets import service as tickets
from hookdesk.tickets.schemas import TicketCreate
from hookdesk.web.auth import Agent, AgentActing, AgentForm, CurrentAgent
from hookdesk.web.flash import Flash, redirect_with, render_flashed
from hookdesk.web.forms import field_errors
from hookdesk.web.pages import Errors, text
from hookdesk.web.templating import ago

router = APIRouter(prefix="/console/clients")
PER_PAGE = 25
TICKETS_SHOWN = 50
# The ticket form's fields by TicketCreate's names
TICKET_FIELDS = {
    "title": "title",
    "category": "topic",
    "subcategory": "topic",
    "description": "description",
}
Search = Annotated[str, Query(max_length=200)]


@router.get("")
def clients_page(
    request: Request, agent: CurrentAgent, db: Db, q: Search = "", page: int = 1
) -> Response:
    return _list(request, agent, db, q.strip(), max(page, 1))


@router.post("")
def add_client(request: Request, agent: CurrentAgent, form: AgentForm, db: Db) -> Response:
    draft = {"name": text(form, "name"), "email": text(form, "email")}
    try:
        data = ClientCreate.model_validate(draft)
        with db.write() as session:
            client = clients.create(session, account_id=agent.account_id, data=data)
    except (ValidationError, HookdeskError) as invalid:
        errors = field_errors(invalid, default="email")
        return _list(request, agent, db, "", 1, errors=errors, draft=draft, status=400)
    return redirect_with(request, f"/console/clients/{client.id}", Flash(f"{data.name} added."))


@router.get("/{client_id}")
def client_page(request: Request, client_id: str, agent: CurrentAgent, db: Db) -> Response:
    return _client(request, agent, db, client_id)


@router.post("/{client_id}/tickets")
def open_ticket(
    request: Request,
    client_id: str,
    agent: CurrentAgent,
    acting: AgentActing,
    form: AgentForm,
    db: Db,
) -> Response:
    draft = {name: text(form, name) for name in ("title", "topic", "description", "by_client")}
    category, _, subcategory = draft["topic"].partition("/")  # "<category id>[/<subcategory>]"
    values = {
        "client_id": client_id,
        "title": draft["title"],
        "description": draft["description"],
        "category": category,
        "subcategory": subcategory or None,
        "is_client_reply": draft["by_client"] == "on",
    }
    try:
        data = TicketCreate.model_validate(values)
        with db.write() as session:
            opened = tickets.create(session, acting, data)
    except NotFound:
        raise
    except (ValidationError, HookdeskError) as invalid:
        errors = field_errors(invalid, fields=TICKET_FIELDS, messages=MESSAGES)
        return _client(request, agent, db, client_id, errors=errors, draft=draft, status=400)
    notice = Flash(f"Ticket {opened.title} opened for the client.")
    return redirect_with(request, f"/console/clients/{client_id}", notice)


@router.post("/{client_id}/portal-link")
def portal_link(
    request: Request,
    client_id: str,
    agent: CurrentAgent,
    _form: AgentForm,
    db: Db,
    settings: CurrentSettings,
) -> Response:
    with db.write() as session:
        link = links.portal(
            session,
            account_id=agent.account_id,
            client_id=client_id,
            public_url=settings.public_url,
        )
    notice = f"Give the client this link: it works once and expires {ago(link.expires_at)}."
    return redirect_with(
        request, f"/console/clients/{client_id}", Flash(notice, link.url, "Portal link")
    )


@router.post("/{client_id}/portal-link/email")
def email_portal_link(
    request: Request,
    client_id: str,
    agent: CurrentAgent,
    _form: AgentForm,
    db: Db,
    settings: CurrentSettings,
) -> Response:
    with db.write() as session:
        client = clients.get(session, account_id=agent.account_id, client_id=client_id)
        queued = outbox.queue_portal_link(session, account_id=agent.account_id, email=client.email)
        own_server = mail_settings.get(session, account_id=agent.account_id).smtp_url
    if not queued:
        notice = f"No link sent: {client.email} was sent several in the last 15 minutes. Try later."
    elif own_server is None and settings.smtp_url is None:
        notice = f"A portal link for {client.email} waits until a mail server is set up."
    else:
        notice = f"A portal link is on its way to {client.email}."
    return redirect_with(request, f"/console/clients/{client_id}", Flash(notice))


MESSAGES = {
    ("topic", "uuid_parsing"): "Choose a category.",
    ("topic", "missing"): "Choose a category.",
}


def _list(
    request: Request,
    agent: Agent,
    db: Db,
    q: str,
    page: int,
    *,
    errors: Errors | None = None,
    draft: Mapping[str, str] | None = None,
    status: int = 200,
) -> Response:
    with db.read() as session:
        total, found = clients.list_page(
            session, account_id=agent.account_id, page=Page(page, PER_PAGE), text=q or None
        )
        shown = [client_object(c) for c in found]
    context = {
        "title": "Clients",
        "agent": agent,
        "section": "clients",
        "q": q,
        "clients": shown,
        "total": total,
        "page": page,
        "pages": max(1, -(-total // PER_PAGE)),
        "errors": errors or {},
        "draft": draft or {},
    }
    return render_flashed(request, "console/clients.html", context, status=status)


def _client(
    request: Request,
    agent: Agent,
    db: Db,
    client_id: str,
    *,
    errors: Errors | None = None,
    draft: Mapping[str, str] | None = None,
    status: int = 200,
) -> Response:
    with db.read() as session:
        client = clients.get(session, account_id=agent.account_id, client_id=client_id)
        filters = listing.TicketFilters(client_id=client.id, sort_by="updated_at")
        total, theirs = listing.list_page(
            session, account_id=agent.account_id, filters=filters, page=Page(1, TICKETS_SHOWN)
        )
        context = {
            "title": client.name,
            "agent": agent,
            "section": "clients",
            "client": client_object(client),
            "tickets": [
                {"id": t.id, "title": t.title, "open": t.is_open, "updated_at": t.updated_at}
                for t in theirs
            ],
            "total": total,
            "topics": categories.topics(session, account_id=agent.account_id),
            "errors": errors or {},
            "draft": draft or {},
        }
    return render_flashed(request, "console/client.html", context, status=status)

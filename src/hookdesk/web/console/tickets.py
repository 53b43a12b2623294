"""A ticket in the console: the conversation with its internal notes, replying with files (and
resolving at once), saved replies, notes, assigning, tags and priority, resolving.

Every successful post redirects back with `done` naming what was done, which the page shows as
its feedback ("Resolved").
"""

import hashlib
import time
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from hookdesk.accounts.acting import Acting
from hookdesk.assets import service as assets
from hookdesk.db.dependencies import Db
from hookdesk.errors import HookdeskError
from hookdesk.ratings import service as ratings
from hookdesk.saved_replies import service as saved_replies
from hookdesk.shared.dependencies import CurrentSettings
from hookdesk.shared.ids import parse_uuid
from hookdesk.shared.paging import Page
from hookdesk.teammates import service as teammates
from hookdesk.tickets import notes, presence, service, sidebar, timeline, views
from hookdesk.tickets.adjacent import adjacent
from hookdesk.tickets.schemas import (
    MAX_ASSETS_PER_REPLY,
    NoteCreate,
    Priority,
    ReplyCreate,
    TicketUpdate,
)
from hookdesk.web.auth import Agent, AgentActing, AgentForm, CurrentAgent
from hookdesk.web.console.stream import TICKET_EVENTS
from hookdesk.web.forms import field_errors
from hookdesk.web.pages import Errors, redirect, render, text
from hookdesk.web.uploads import stored_uploads
from hookdesk.webhooks.payloads import TicketView

router = APIRouter(prefix="/console/tickets")

# What each `done` says after the redirect; "assigned" names the teammate (`_feedback`).
DONE = {
    "replied": "Reply sent.",
    "replied-resolved": "Reply sent and ticket resolved.",
    "resolved": "Resolved.",
    "noted": "Internal note added.",
    "updated": "Tags and priority saved.",
}
SAVED_REPLIES_SHOWN = 100
OTHER_TICKETS_SHOWN = 10


@router.get("/{ticket_id}")
def ticket_page(
    request: Request,
    ticket_id: str,
    agent: CurrentAgent,
    acting: AgentActing,
    db: Db,
    done: str = "",
    saved_reply: str = "",
) -> Response:
    draft = _saved_reply_text(db, agent, ticket_id, saved_reply) if saved_reply else ""
    return _page(request, agent, acting, db, ticket_id, draft=draft, done=done)


@router.get("/{ticket_id}/conversation")
def conversation(
    request: Request,
    ticket_id: str,
    agent: CurrentAgent,
    acting: AgentActing,
    db: Db,
    version: str = "",
    controls: str = "",
    replying: str = "",
) -> Response:
    """Polled by the ticket page: the conversation again once the ticket changed, else 204.
    When the controls' state changed too (`controls`: as the page shows them), the answer
    carries them (out of band), so they follow the ticket; otherwise they are left alone, with
    whatever the agent is choosing in them. Each poll says the agent still has the page open
    (`replying`: their reply box is not empty)."""
    context = _context(agent, acting, db, ticket_id, replying=replying == "1")
    if version == context["version"]:
        return Response(status_code=204)
    live = {"live": True, "live_controls": controls != context["controls"]}
    return render(request, "console/_conversation.html", context | live)


@router.get("/{ticket_id}/saved-replies/{saved_reply_id}", response_class=PlainTextResponse)
def saved_reply_text(ticket_id: str, saved_reply_id: str, agent: CurrentAgent, db: Db) -> str:
    """The saved reply filled in for this ticket and agent, for the picker to insert."""
    return _saved_reply_text(db, agent, ticket_id, saved_reply_id)


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
    and_resolve = text(form, "then") == "resolve"
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
            if and_resolve:
                service.resolve(session, acting, ticket_id, by_client=False)
    except (ValidationError, HookdeskError) as invalid:
        _raise_not_found(invalid)
        errors = field_errors(invalid, default="reply")
        return _page(request, agent, acting, db, ticket_id, errors, draft=draft)
    return _done(ticket_id, "replied-resolved" if and_resolve else "replied")


@router.post("/{ticket_id}/notes")
def add_note(
    request: Request,
    ticket_id: str,
    agent: CurrentAgent,
    acting: AgentActing,
    form: AgentForm,
    db: Db,
) -> Response:
    written = text(form, "note")
    try:
        data = NoteCreate(text=written, teammate_id=UUID(agent.teammate_id))
        with db.write() as session:
            notes.create(session, account_id=agent.account_id, ticket_id=ticket_id, data=data)
    except (ValidationError, HookdeskError) as invalid:
        _raise_not_found(invalid)
        errors = field_errors(invalid, fields={"text": "note"}, default="note")
        return _page(request, agent, acting, db, ticket_id, errors, note=written)
    return _done(ticket_id, "noted")


@router.post("/{ticket_id}/assign")
def assign(
    ticket_id: str, agent: CurrentAgent, acting: AgentActing, form: AgentForm, db: Db
) -> Response:
    chosen = text(form, "teammate_id")
    teammate = UUID(chosen) if parse_uuid(chosen) else None
    with db.write() as session:
        service.assign(session, acting, ticket_id, teammate, actor_id=agent.teammate_id)
    return _done(ticket_id, "assigned")


@router.post("/{ticket_id}/update")
def update(
    request: Request,
    ticket_id: str,
    agent: CurrentAgent,
    acting: AgentActing,
    form: AgentForm,
    db: Db,
) -> Response:
    """Tags (typed comma-separated) and priority."""
    try:
        data = TicketUpdate(tags=_tags(form), priority=text(form, "priority") or None)
        with db.write() as session:
            service.update(session, acting, ticket_id, data)
    except (ValidationError, HookdeskError) as invalid:
        _raise_not_found(invalid)
        return _page(request, agent, acting, db, ticket_id, field_errors(invalid, default="tags"))
    return _done(ticket_id, "updated")


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
        _raise_not_found(refused)
        return _page(request, agent, acting, db, ticket_id, {"_form": refused.message})
    return _done(ticket_id, "resolved")


def _tags(form: FormData) -> list[str]:
    return [tag.strip() for tag in text(form, "tags").split(",") if tag.strip()]


def _raise_not_found(refusal: Exception) -> None:
    """Another account's ticket or none: the page's 404, not a form error."""
    if isinstance(refusal, HookdeskError) and refusal.status == 404:
        raise refusal


def _done(ticket_id: str, done: str) -> Response:
    return redirect(f"/console/tickets/{ticket_id}?done={done}")


def _saved_reply_text(db: Db, agent: Agent, ticket_id: str, saved_reply_id: str) -> str:
    with db.read() as session:
        return saved_replies.filled(
            session,
            account_id=agent.account_id,
            saved_reply_id=saved_reply_id,
            ticket_id=ticket_id,
            teammate_id=agent.teammate_id,
        )


def _page(
    request: Request,
    agent: Agent,
    acting: Acting,
    db: Db,
    ticket_id: str,
    errors: Errors | None = None,
    *,
    draft: str = "",
    note: str = "",
    done: str = "",
) -> Response:
    context = _context(agent, acting, db, ticket_id, replying=bool(draft))
    with db.read() as session:
        _total, saved = saved_replies.list_page(
            session, account_id=agent.account_id, page=Page(1, SAVED_REPLIES_SHOWN)
        )
        previous_id, next_id = adjacent(session, account_id=agent.account_id, ticket_id=ticket_id)
        context["client_side"] = sidebar.client_side(
            session,
            account_id=agent.account_id,
            client_id=context["ticket"].client.id,
            ticket_id=ticket_id,
            shown=OTHER_TICKETS_SHOWN,
        )
    context |= {
        "live_events": TICKET_EVENTS,
        "previous_id": previous_id,
        "next_id": next_id,
        "errors": errors or {},
        "draft": draft,
        "note": note,
        "notices": _feedback(done, context["ticket"], context["teammates"]),
        "saved_replies": [(row.id, row.title) for row in saved],
    }
    return render(request, "console/ticket.html", context, status=400 if errors else 200)


def _feedback(done: str, ticket: TicketView, names: dict[str, str]) -> list[str]:
    if done == "assigned":
        if ticket.teammate_id is None:
            return ["Unassigned."]
        return [f"Assigned to {names.get(ticket.teammate_id, 'a teammate')}."]
    return [DONE[done]] if done in DONE else []


def _context(
    agent: Agent, acting: Acting, db: Db, ticket_id: str, *, replying: bool
) -> dict[str, Any]:
    present = _presence(db, agent, ticket_id, replying=replying)
    with db.read() as session:
        ticket = service.get(session, acting, ticket_id)
        entries = timeline.entries(session, account_id=agent.account_id, ticket=ticket)
        return {
            "present": present,
            "title": ticket.title,
            "agent": agent,
            "section": "inbox",
            "ticket": ticket,
            "entries": entries,
            "authors": views.reply_authors(
                session, account_id=agent.account_id, ticket_id=ticket.id
            ),
            "teammates": teammates.names(session, account_id=agent.account_id),
            "assignable": teammates.assignable(session, account_id=agent.account_id),
            "version": _version(ticket, entries, present),
            "controls": _version(ticket.is_open, ticket.teammate_id, ticket.tags, ticket.priority),
            "max_files": MAX_ASSETS_PER_REPLY,
            "priorities": [(p.value, p.value.capitalize()) for p in Priority],
            "rating": ratings.latest(session, account_id=agent.account_id, ticket_id=ticket.id),
        }


def _presence(db: Db, agent: Agent, ticket_id: str, *, replying: bool) -> list[presence.Here]:
    """The other agents on the ticket; this agent's own presence written when due (only now
    and then: tickets/presence.py)."""
    moment = time.time()
    account_id, teammate_id = agent.account_id, agent.teammate_id
    with db.read() as session:
        others = presence.others(
            session, account_id=account_id, ticket_id=ticket_id, teammate_id=teammate_id, now=moment
        )
        stale = presence.stale(
            session,
            account_id=account_id,
            ticket_id=ticket_id,
            teammate_id=teammate_id,
            replying=replying,
            now=moment,
        )
    if stale:
        with db.write() as session:
            presence.seen(
                session,
                account_id=account_id,
                ticket_id=ticket_id,
                teammate_id=teammate_id,
                replying=replying,
                now=moment,
            )
    return others


def _version(*shown: object) -> str:
    """What a polling ticket page compares, for all it shows of the ticket (a reply, a note, an
    activity, the status, the teammate, tags, priority, who else is there) and for its controls
    alone: a short digest of it."""
    return hashlib.sha256(repr(shown).encode()).hexdigest()[:16]

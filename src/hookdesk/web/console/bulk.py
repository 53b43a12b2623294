"""Changing several tickets of the inbox at once: assign, tag or resolve the chosen ones.

Each ticket is its own change (tickets/bulk.py), in its own transaction, with its own events, as
if made one by one; a ticket that cannot take it (already resolved, another account's) is left
as it is and counted. The post returns to the inbox it came from, saying what was done
("3 tickets resolved.").
"""

from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import TypeAdapter, ValidationError

from hookdesk.accounts.acting import Acting
from hookdesk.db.dependencies import Db
from hookdesk.errors import NotFound
from hookdesk.shared.dependencies import CurrentSettings
from hookdesk.shared.ids import parse_uuid
from hookdesk.shared.paging import MAX_PER_PAGE
from hookdesk.teammates import service as teammates
from hookdesk.tickets import bulk as changes
from hookdesk.tickets.schemas import Tag
from hookdesk.web.auth import Agent, AgentActing, AgentForm, CurrentAgent
from hookdesk.web.console.inbox import InboxQuery, show
from hookdesk.web.pages import Errors, redirect, text

router = APIRouter(prefix="/console")
TAGS = TypeAdapter(Tag)
Planned = tuple[str, dict[str, str], changes.Change | None]


@router.post("/bulk")
def bulk(
    request: Request,
    agent: CurrentAgent,
    acting: AgentActing,
    form: AgentForm,
    db: Db,
    settings: CurrentSettings,
) -> Response:
    query = InboxQuery.of(request.query_params)
    chosen = list(dict.fromkeys(v for v in form.getlist("ticket_id") if isinstance(v, str)))
    errors: Errors = {}
    done, params, change = _plan(text(form, "action"), form, agent, db, errors)
    if not chosen:
        errors["_form"] = "Choose one or more tickets first."
    elif len(chosen) > MAX_PER_PAGE:
        errors["_form"] = f"Choose at most {MAX_PER_PAGE} tickets at once."
    if errors or change is None:
        return show(request, agent, db, settings.public_url, query, errors=errors)
    changed = sum(_apply(db, acting, ticket_id, change) for ticket_id in chosen)
    params |= {"done": done, "n": str(changed), "skipped": str(len(chosen) - changed)}
    separator = "&" if "?" in query.link() else "?"
    return redirect(query.link() + separator + urlencode(params))


def _plan(action: str, form: AgentForm, agent: Agent, db: Db, errors: Errors) -> Planned:
    """What the inbox will say (`done` and its words' parameters) and the change to make."""
    if action == "resolve":
        return "resolved", {}, changes.resolving()
    if action == "assign":
        return _assignment(text(form, "teammate_id"), agent, db, errors)
    if action == "tag":
        try:
            tag = TAGS.validate_python(text(form, "new_tag"))
        except ValidationError as invalid:
            errors["new_tag"] = _tag_problem(invalid)
            return "", {}, None
        return "tagged", {"added": tag}, changes.tagging(tag)
    errors["_form"] = "Choose what to do with the tickets."
    return "", {}, None


def _assignment(chosen: str, agent: Agent, db: Db, errors: Errors) -> Planned:
    if not chosen:
        return "unassigned", {}, changes.assigning(None, actor_id=agent.teammate_id)
    teammate = parse_uuid(chosen)
    with db.read() as session:
        assignable = teammates.assignable(session, account_id=agent.account_id)
    if teammate not in assignable:
        errors["teammate_id"] = "Choose a teammate from the list."
        return "", {}, None
    return (
        "assigned",
        {"to": teammate},
        changes.assigning(UUID(teammate), actor_id=agent.teammate_id),
    )


def _apply(db: Db, acting: Acting, ticket_id: str, change: changes.Change) -> bool:
    try:
        with db.write() as session:
            return change(session, acting, ticket_id)
    except NotFound:
        return False  # another account's, or no ticket at all


def _tag_problem(invalid: ValidationError) -> str:
    problem = invalid.errors()[0]
    if problem["type"] in ("string_too_short", "missing"):
        return "Type the tag to add."
    if problem["type"] == "string_too_long":
        return "Use at most 50 characters."
    return "A tag cannot hold a comma."

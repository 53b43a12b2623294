"""Admins manage the teammates: add and invite them, change their role, disable, enable again or
delete them.

An admin cannot disable or delete themselves here: that would lock them out mid-way, and another
admin (or the API) can do it."""

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from hookdesk.access import links
from hookdesk.db.dependencies import Db
from hookdesk.errors import BadRequest, HookdeskError
from hookdesk.shared.dependencies import CurrentSettings
from hookdesk.shared.paging import Page
from hookdesk.teammates import service as teammates
from hookdesk.teammates.schemas import Role, TeammateCreate, TeammateUpdate
from hookdesk.web.auth import ADMINS_ONLY, Agent, AgentForm, CurrentAgent
from hookdesk.web.console.settings.tabs import settings_page
from hookdesk.web.flash import Flash, redirect_with
from hookdesk.web.forms import field_errors
from hookdesk.web.pages import Errors, text
from hookdesk.web.templating import ago

router = APIRouter(prefix="/console/settings/teammates", dependencies=ADMINS_ONLY)
PAGE = "/console/settings/teammates"
MAX_SHOWN = 100
ROLES = [
    (Role.AGENT.value, "Agent: works tickets"),
    (Role.ADMIN.value, "Admin: also settings and webhooks"),
]


@router.get("")
def teammates_page(request: Request, agent: CurrentAgent, db: Db) -> Response:
    return _page(request, agent, db)


@router.post("")
def add(request: Request, agent: CurrentAgent, form: AgentForm, db: Db) -> Response:
    values = {"name": text(form, "name"), "email": text(form, "email"), "role": text(form, "role")}
    try:
        data = TeammateCreate.model_validate(values)
        with db.write() as session:
            teammates.create(session, account_id=agent.account_id, data=data)
    except (ValidationError, HookdeskError) as invalid:
        errors = field_errors(invalid, default="email")
        return _page(request, agent, db, errors=errors, draft=values, status=400)
    return redirect_with(request, PAGE, Flash(f"{data.name} added: invite them to sign in."))


@router.post("/{teammate_id}/invite")
def invite(
    request: Request,
    teammate_id: str,
    agent: CurrentAgent,
    _form: AgentForm,
    db: Db,
    settings: CurrentSettings,
) -> Response:
    with db.write() as session:
        name = teammates.get(session, account_id=agent.account_id, teammate_id=teammate_id).name
        link = links.invite(
            session,
            account_id=agent.account_id,
            teammate_id=teammate_id,
            public_url=settings.public_url,
        )
    notice = f"Send {name} this link: it works once and expires {ago(link.expires_at)}."
    return redirect_with(request, PAGE, Flash(notice, link.url, "Invite link"))


@router.post("/{teammate_id}/role")
def change_role(
    request: Request, teammate_id: str, agent: CurrentAgent, form: AgentForm, db: Db
) -> Response:
    try:
        role = Role(text(form, "role"))
    except ValueError:
        raise BadRequest("Choose the role agent or admin.") from None
    name = _update(db, agent, teammate_id, TeammateUpdate(role=role))
    return redirect_with(request, PAGE, Flash(f"{name} is now an {role.value}."))


@router.post("/{teammate_id}/disable")
def disable(
    request: Request, teammate_id: str, agent: CurrentAgent, _form: AgentForm, db: Db
) -> Response:
    _not_oneself(agent, teammate_id, "disable")
    name = _update(db, agent, teammate_id, TeammateUpdate(disabled=True))
    return redirect_with(request, PAGE, Flash(f"{name} is disabled and signed out."))


@router.post("/{teammate_id}/enable")
def enable(
    request: Request, teammate_id: str, agent: CurrentAgent, _form: AgentForm, db: Db
) -> Response:
    name = _update(db, agent, teammate_id, TeammateUpdate(disabled=False))
    return redirect_with(request, PAGE, Flash(f"{name} can sign in again."))


@router.get("/{teammate_id}/delete")
def confirm_delete(request: Request, teammate_id: str, agent: CurrentAgent, db: Db) -> Response:
    _not_oneself(agent, teammate_id, "delete")
    with db.read() as session:
        teammate = teammates.get(session, account_id=agent.account_id, teammate_id=teammate_id)
        context = {"teammate": teammate}
        return settings_page(request, agent, "teammates", "teammate_delete.html", context)


@router.post("/{teammate_id}/delete")
def delete(
    request: Request,
    teammate_id: str,
    agent: CurrentAgent,
    _form: AgentForm,
    db: Db,
    settings: CurrentSettings,
) -> Response:
    _not_oneself(agent, teammate_id, "delete")
    with db.write() as session:
        name = teammates.delete(
            session,
            account_id=agent.account_id,
            teammate_id=teammate_id,
            public_url=settings.public_url,
        ).name
    return redirect_with(request, PAGE, Flash(f"{name} is deleted."))


def _page(
    request: Request,
    agent: Agent,
    db: Db,
    *,
    errors: Errors | None = None,
    draft: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    with db.read() as session:
        _, team = teammates.list_page(session, account_id=agent.account_id, page=Page(1, MAX_SHOWN))
        shown = [
            {
                "id": t.id,
                "name": t.name,
                "email": t.email,
                "role": t.role,
                "active": bool(t.password_hash),
                "disabled": t.disabled_at is not None,
            }
            for t in team
        ]
    context = {"teammates": shown, "errors": errors or {}, "roles": ROLES, "draft": draft or {}}
    return settings_page(request, agent, "teammates", "teammates.html", context, status=status)


def _update(db: Db, agent: Agent, teammate_id: str, data: TeammateUpdate) -> str:
    with db.write() as session:
        updated = teammates.update(
            session, account_id=agent.account_id, teammate_id=teammate_id, data=data
        )
        return updated.name


def _not_oneself(agent: Agent, teammate_id: str, action: str) -> None:
    if teammate_id == agent.teammate_id:
        raise BadRequest(f"You cannot {action} yourself here: ask another admin.")

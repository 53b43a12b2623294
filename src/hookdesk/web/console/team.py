"""Admins manage the teammates in Settings: a role, disabled or enabled again, deleted.

An admin cannot disable or delete themselves here: that would lock them out mid-way, and another
admin (or the API) can do it."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hookdesk.db.dependencies import Db
from hookdesk.errors import BadRequest
from hookdesk.shared.dependencies import CurrentSettings
from hookdesk.teammates import service as teammates
from hookdesk.teammates.schemas import Role, TeammateUpdate
from hookdesk.web.auth import ADMINS_ONLY, Agent, AgentForm, CurrentAgent
from hookdesk.web.pages import redirect, render, text

router = APIRouter(prefix="/console/settings/teammates/{teammate_id}", dependencies=ADMINS_ONLY)
SAVED = "/console/settings?saved=1#teammates"


@router.post("/role")
def change_role(teammate_id: str, agent: CurrentAgent, form: AgentForm, db: Db) -> Response:
    try:
        role = Role(text(form, "role"))
    except ValueError:
        raise BadRequest("Choose the role agent or admin.") from None
    _update(db, agent, teammate_id, TeammateUpdate(role=role))
    return redirect(SAVED)


@router.post("/disable")
def disable(teammate_id: str, agent: CurrentAgent, _form: AgentForm, db: Db) -> Response:
    _not_oneself(agent, teammate_id, "disable")
    _update(db, agent, teammate_id, TeammateUpdate(disabled=True))
    return redirect(SAVED)


@router.post("/enable")
def enable(teammate_id: str, agent: CurrentAgent, _form: AgentForm, db: Db) -> Response:
    _update(db, agent, teammate_id, TeammateUpdate(disabled=False))
    return redirect(SAVED)


@router.get("/delete")
def confirm_delete(request: Request, teammate_id: str, agent: CurrentAgent, db: Db) -> Response:
    _not_oneself(agent, teammate_id, "delete")
    with db.read() as session:
        teammate = teammates.get(session, account_id=agent.account_id, teammate_id=teammate_id)
        context = {"title": "Delete a teammate", "agent": agent, "teammate": teammate}
        return render(request, "console/teammate_delete.html", context | {"section": "settings"})


@router.post("/delete")
def delete(
    teammate_id: str, agent: CurrentAgent, _form: AgentForm, db: Db, settings: CurrentSettings
) -> Response:
    _not_oneself(agent, teammate_id, "delete")
    with db.write() as session:
        teammates.delete(
            session,
            account_id=agent.account_id,
            teammate_id=teammate_id,
            public_url=settings.public_url,
        )
    return redirect(SAVED)


def _update(db: Db, agent: Agent, teammate_id: str, data: TeammateUpdate) -> None:
    with db.write() as session:
        teammates.update(session, account_id=agent.account_id, teammate_id=teammate_id, data=data)


def _not_oneself(agent: Agent, teammate_id: str, action: str) -> None:
    if teammate_id == agent.teammate_id:
        raise BadRequest(f"You cannot {action} yourself here: ask another admin.")

"""Admins manage the account's API keys in Settings: create one (shown once), revoke one."""

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from hookdesk.accounts import api_keys
from hookdesk.accounts.schemas import ApiKeyCreate, api_key_object
from hookdesk.db.dependencies import Db
from hookdesk.web.auth import ADMINS_ONLY, AgentForm, CurrentAgent
from hookdesk.web.console.settings import page
from hookdesk.web.forms import field_errors
from hookdesk.web.pages import redirect, text

router = APIRouter(prefix="/console/settings/api-keys", dependencies=ADMINS_ONLY)


@router.post("")
def create_key(request: Request, agent: CurrentAgent, form: AgentForm, db: Db) -> Response:
    try:
        data = ApiKeyCreate(name=text(form, "key_name"))
    except ValidationError as invalid:
        return page(
            request,
            agent,
            db,
            key_errors=field_errors(invalid, fields={"name": "key_name"}),
            status=400,
        )
    with db.write() as session:
        created = api_keys.create(session, account_id=agent.account_id, name=data.name)
        shown = api_key_object(created.row) | {"key": created.plaintext}
    return page(request, agent, db, new_key=shown)


@router.post("/{api_key_id}/revoke")
def revoke_key(api_key_id: str, agent: CurrentAgent, _form: AgentForm, db: Db) -> Response:
    with db.write() as session:
        api_keys.revoke(session, account_id=agent.account_id, api_key_id=api_key_id)
    return redirect("/console/settings?saved=1#api-keys")

"""Admins manage the account's API keys: create one (its secret shown once, to copy), see when
each was last used, revoke one."""

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from hookdesk.accounts import api_keys
from hookdesk.accounts.schemas import ApiKeyCreate, api_key_object
from hookdesk.db.dependencies import Db
from hookdesk.errors import HookdeskError
from hookdesk.shared.paging import Page
from hookdesk.web.auth import ADMINS_ONLY, Agent, AgentForm, CurrentAgent
from hookdesk.web.console.settings.tabs import settings_page
from hookdesk.web.flash import Flash, redirect_with
from hookdesk.web.forms import FORM, field_errors
from hookdesk.web.pages import Errors, text

router = APIRouter(prefix="/console/settings/api-keys", dependencies=ADMINS_ONLY)
PAGE = "/console/settings/api-keys"
MAX_SHOWN = 100


@router.get("")
def keys_page(request: Request, agent: CurrentAgent, db: Db) -> Response:
    return _page(request, agent, db)


@router.post("")
def create_key(request: Request, agent: CurrentAgent, form: AgentForm, db: Db) -> Response:
    try:
        data = ApiKeyCreate(name=text(form, "key_name"))
    except ValidationError as invalid:
        errors = field_errors(invalid, fields={"name": "key_name"})
        return _page(request, agent, db, errors=errors, status=400)
    with db.write() as session:
        created = api_keys.create(session, account_id=agent.account_id, name=data.name)
    flash = Flash(f"Key {data.name} created.", created.plaintext, "New API key")
    return redirect_with(request, PAGE, flash)


@router.post("/{api_key_id}/revoke")
def revoke_key(
    request: Request, api_key_id: str, agent: CurrentAgent, _form: AgentForm, db: Db
) -> Response:
    try:
        with db.write() as session:
            key = api_keys.revoke(session, account_id=agent.account_id, api_key_id=api_key_id)
    except HookdeskError as refused:  # the last active key
        return _page(request, agent, db, errors={FORM: refused.message}, status=refused.status)
    return redirect_with(request, PAGE, Flash(f"Key {key.name} revoked: it no longer works."))


def _page(
    request: Request, agent: Agent, db: Db, *, errors: Errors | None = None, status: int = 200
) -> Response:
    with db.read() as session:
        _, keys = api_keys.list_page(session, account_id=agent.account_id, page=Page(1, MAX_SHOWN))
        shown = [api_key_object(key) for key in keys]
    context = {"api_keys": shown, "errors": errors or {}}
    return settings_page(request, agent, "api-keys", "api_keys.html", context, status=status)

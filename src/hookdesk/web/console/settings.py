"""Account settings: the brand the portal wears, and the teammates who may use the console."""

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from hookdesk.access import links
from hookdesk.accounts import api_keys, brand
from hookdesk.accounts.schemas import api_key_object
from hookdesk.assets import service as assets
from hookdesk.db.dependencies import Db
from hookdesk.errors import BadRequest, HookdeskError, TooLarge
from hookdesk.shared.dependencies import CurrentSettings
from hookdesk.shared.paging import Page
from hookdesk.teammates import service as teammates
from hookdesk.teammates.schemas import Role, TeammateCreate
from hookdesk.web.auth import ADMINS_ONLY, Agent, AgentForm, CurrentAgent
from hookdesk.web.forms import field_errors
from hookdesk.web.pages import Errors, redirect, render, text
from hookdesk.web.uploads import stored_uploads

router = APIRouter(prefix="/console/settings", dependencies=ADMINS_ONLY)
MAX_TEAMMATES_SHOWN = 100
MAX_KEYS_SHOWN = 100
ROLES = [
    (Role.AGENT.value, "Agent: works tickets"),
    (Role.ADMIN.value, "Admin: also settings and webhooks"),
]


@router.get("")
def settings_page(request: Request, agent: CurrentAgent, db: Db, saved: str = "") -> Response:
    notices = ["Saved."] if saved else []
    return page(request, agent, db, notices=notices)


@router.post("/brand")
def update_brand(
    request: Request, agent: CurrentAgent, form: AgentForm, db: Db, settings: CurrentSettings
) -> Response:
    values = {
        "display_name": text(form, "display_name") or None,
        "primary_color": text(form, "primary_color") or None,
        "logo_url": text(form, "logo_url") or None,
    }
    try:
        update = brand.BrandUpdate.model_validate(values)
        with (
            stored_uploads(form, "logo", account_id=agent.account_id, settings=settings) as logo,
            db.write() as session,
        ):
            if logo.rows:
                assets.add(session, account_id=agent.account_id, files=logo)
                view = assets.view(logo.rows[0], public_url=settings.public_url)
                update.logo_url = view.public_url
            brand.update(session, account_id=agent.account_id, data=update)
    except (ValidationError, BadRequest, TooLarge) as invalid:
        return page(request, agent, db, brand_errors=field_errors(invalid), status=400)
    return redirect("/console/settings?saved=1")


@router.post("/teammates")
def add_teammate(request: Request, agent: CurrentAgent, form: AgentForm, db: Db) -> Response:
    values = {"name": text(form, "name"), "email": text(form, "email"), "role": text(form, "role")}
    try:
        data = TeammateCreate.model_validate(values)
        with db.write() as session:
            teammates.create(session, account_id=agent.account_id, data=data)
    except (ValidationError, HookdeskError) as invalid:
        errors = field_errors(invalid, default="email")
        return page(request, agent, db, teammate_errors=errors, draft=values, status=400)
    return redirect("/console/settings?saved=1#teammates")


@router.post("/teammates/{teammate_id}/invite")
def invite_teammate(
    request: Request,
    teammate_id: str,
    agent: CurrentAgent,
    _form: AgentForm,
    db: Db,
    settings: CurrentSettings,
) -> Response:
    with db.write() as session:
        link = links.invite(
            session,
            account_id=agent.account_id,
            teammate_id=teammate_id,
            public_url=settings.public_url,
        )
    return page(request, agent, db, invite=link)


def page(
    request: Request,
    agent: Agent,
    db: Db,
    *,
    notices: list[str] | None = None,
    brand_errors: Errors | None = None,
    teammate_errors: Errors | None = None,
    draft: dict[str, str] | None = None,
    invite: links.Link | None = None,
    new_key: dict[str, object] | None = None,
    key_errors: Errors | None = None,
    status: int = 200,
) -> Response:
    """The settings page, with what the last action left to show."""
    with db.read() as session:
        account = brand.get(session, account_id=agent.account_id)
        _, keys = api_keys.list_page(
            session, account_id=agent.account_id, page=Page(1, MAX_KEYS_SHOWN)
        )
        _, team = teammates.list_page(
            session, account_id=agent.account_id, page=Page(1, MAX_TEAMMATES_SHOWN)
        )
        context = {
            "title": "Settings",
            "agent": agent,
            "section": "settings",
            "notices": notices or [],
            "brand": brand.brand_of(account),
            "brand_errors": brand_errors or {},
            "teammates": [
                {
                    "id": t.id,
                    "name": t.name,
                    "email": t.email,
                    "role": t.role,
                    "active": bool(t.password_hash),
                    "disabled": t.disabled_at is not None,
                }
                for t in team
            ],
            "teammate_errors": teammate_errors or {},
            "roles": ROLES,
            "draft": draft or {},
            "invite": invite,
            "api_keys": [api_key_object(key) for key in keys],
            "new_key": new_key,
            "key_errors": key_errors or {},
        }
    return render(request, "console/settings.html", context, status=status)

"""Admins manage the ticket categories: each one's title, language, subcategories, automated
reply and the teammate it assigns new tickets to."""

from collections.abc import Mapping
from typing import Any

from babel import Locale
from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from hookdesk.categories import service as categories
from hookdesk.categories.schemas import CategoryCreate, CategoryUpdate, category_object
from hookdesk.db.dependencies import Db
from hookdesk.errors import HookdeskError, NotFound
from hookdesk.shared.languages import ISO_639_1
from hookdesk.shared.paging import Page
from hookdesk.teammates import service as teammates
from hookdesk.web.auth import ADMINS_ONLY, Agent, AgentForm, CurrentAgent
from hookdesk.web.console.settings.tabs import settings_page
from hookdesk.web.flash import Flash, redirect_with
from hookdesk.web.forms import field_errors
from hookdesk.web.pages import Errors, text

router = APIRouter(prefix="/console/settings/categories", dependencies=ADMINS_ONLY)
PAGE = "/console/settings/categories"
MAX_SHOWN = 200
FIELDS = ("title", "language", "teammate_id", "automated_reply", "subcategories")
_FIELD_NAMES = {name: name for name in FIELDS}  # a refusal about one of them is shown beside it
_NAMES = Locale("en").languages
# (code, "Dutch (nl)"), by name: the language a category's emails and portal pages are in
LANGUAGES = sorted(
    ((code, f"{_NAMES.get(code, code)} ({code})") for code in ISO_639_1), key=lambda o: o[1]
)


@router.get("")
def categories_page(request: Request, agent: CurrentAgent, db: Db) -> Response:
    return _list(request, agent, db)


@router.post("")
def create(request: Request, agent: CurrentAgent, form: AgentForm, db: Db) -> Response:
    draft = {name: text(form, name) for name in FIELDS}
    try:
        data = CategoryCreate.model_validate(_values(draft))
        with db.write() as session:
            categories.create(session, account_id=agent.account_id, data=data)
    except (ValidationError, HookdeskError) as invalid:
        errors = field_errors(invalid, fields=_FIELD_NAMES)
        return _list(request, agent, db, errors=errors, draft=draft, status=400)
    return redirect_with(request, PAGE, Flash(f"Category {data.title} created."))


@router.get("/{category_id}")
def edit_page(request: Request, category_id: str, agent: CurrentAgent, db: Db) -> Response:
    with db.read() as session:
        category = categories.get(session, account_id=agent.account_id, category_id=category_id)
        draft = {
            "title": category.title,
            "language": category.language,
            "teammate_id": category.teammate_id or "",
            "automated_reply": category.auto_reply or "",
            "subcategories": "\n".join(category.subcategories),
        }
    return _edit(request, agent, db, category_id, draft)


@router.post("/{category_id}")
def update(
    request: Request, category_id: str, agent: CurrentAgent, form: AgentForm, db: Db
) -> Response:
    draft = {name: text(form, name) for name in FIELDS}
    try:
        data = CategoryUpdate.model_validate(_values(draft))
        with db.write() as session:
            categories.update(
                session, account_id=agent.account_id, category_id=category_id, data=data
            )
    except NotFound:
        raise
    except (ValidationError, HookdeskError) as invalid:
        errors = field_errors(invalid, fields=_FIELD_NAMES)
        return _edit(request, agent, db, category_id, draft, errors=errors, status=400)
    return redirect_with(request, PAGE, Flash(f"Category {data.title} saved."))


@router.get("/{category_id}/delete")
def confirm_delete(request: Request, category_id: str, agent: CurrentAgent, db: Db) -> Response:
    with db.read() as session:
        category = categories.get(session, account_id=agent.account_id, category_id=category_id)
        context = {"category": category_object(category)}
    return settings_page(request, agent, "categories", "category_delete.html", context)


@router.post("/{category_id}/delete")
def delete(
    request: Request, category_id: str, agent: CurrentAgent, _form: AgentForm, db: Db
) -> Response:
    with db.write() as session:
        title = categories.delete(
            session, account_id=agent.account_id, category_id=category_id
        ).title
    return redirect_with(request, PAGE, Flash(f"Category {title} deleted."))


def _values(draft: Mapping[str, str]) -> dict[str, Any]:
    """The form as the API's body: one subcategory per line; blank optional fields cleared."""
    lines = (line.strip() for line in draft["subcategories"].splitlines())
    return {
        "title": draft["title"],
        "language": draft["language"],
        "teammate_id": draft["teammate_id"] or None,
        "automated_reply": draft["automated_reply"] or None,
        "subcategories": [line for line in lines if line],
    }


def _list(
    request: Request,
    agent: Agent,
    db: Db,
    *,
    errors: Errors | None = None,
    draft: Mapping[str, str] | None = None,
    status: int = 200,
) -> Response:
    with db.read() as session:
        _, found = categories.list_page(
            session, account_id=agent.account_id, page=Page(1, MAX_SHOWN)
        )
        shown = [category_object(category) for category in found]
        context = _choices(session, agent) | {
            "categories": shown,
            "errors": errors or {},
            "draft": draft or {"language": "en"},
        }
    return settings_page(request, agent, "categories", "categories.html", context, status=status)


def _edit(
    request: Request,
    agent: Agent,
    db: Db,
    category_id: str,
    draft: Mapping[str, str],
    *,
    errors: Errors | None = None,
    status: int = 200,
) -> Response:
    with db.read() as session:
        context = _choices(session, agent) | {
            "category_id": category_id,
            "draft": draft,
            "errors": errors or {},
        }
    return settings_page(request, agent, "categories", "category.html", context, status=status)


def _choices(session: Any, agent: Agent) -> dict[str, object]:
    _, team = teammates.list_page(session, account_id=agent.account_id, page=Page(1, MAX_SHOWN))
    return {
        "languages": LANGUAGES,
        "teammates": [(t.id, t.name) for t in team if t.disabled_at is None],
        "teammate_names": {t.id: t.name for t in team},
    }

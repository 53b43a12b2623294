"""The brand the portal and the console wear: a name, a colour and a logo, with a live preview of
a button and a link in that colour, readable whatever it is (accounts/brand.py)."""

import re

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from hookdesk.accounts import brand
from hookdesk.assets import service as assets
from hookdesk.db.dependencies import Db
from hookdesk.errors import BadRequest, TooLarge
from hookdesk.shared.dependencies import CurrentSettings
from hookdesk.web.auth import ADMINS_ONLY, Agent, AgentForm, CurrentAgent
from hookdesk.web.console.settings.tabs import settings_page
from hookdesk.web.flash import Flash, redirect_with
from hookdesk.web.forms import field_errors
from hookdesk.web.pages import Errors, render, text
from hookdesk.web.uploads import stored_uploads

router = APIRouter(prefix="/console/settings", dependencies=ADMINS_ONLY)
MESSAGES = {
    ("primary_color", "string_pattern_mismatch"): (
        "Write the colour as # and six digits or letters a to f, such as #1f6feb."
    ),
    ("logo_url", "string_pattern_mismatch"): (
        "Give the address of an image, starting with https://, such as "
        "https://example.com/logo.png."
    ),
}
BARE_HEX = re.compile(r"[0-9a-fA-F]{6}")
COLOR = re.compile(r"#[0-9a-f]{6}")


@router.get("")
def brand_page(request: Request, agent: CurrentAgent, db: Db) -> Response:
    with db.read() as session:
        shown = brand.brand_of(brand.get(session, account_id=agent.account_id))
    draft = {
        "display_name": shown.display_name,
        "primary_color": shown.primary_color,
        "logo_url": shown.logo_url or "",
    }
    return _page(request, agent, shown, draft)


@router.post("/brand")
def update_brand(
    request: Request, agent: CurrentAgent, form: AgentForm, db: Db, settings: CurrentSettings
) -> Response:
    draft = {name: text(form, name) for name in ("display_name", "primary_color", "logo_url")}
    values = {name: value or None for name, value in draft.items()}
    values["primary_color"] = typed_color(draft["primary_color"]) or None
    try:
        update = brand.BrandUpdate.model_validate(values)
        with (
            stored_uploads(form, "logo", account_id=agent.account_id, settings=settings) as logo,
            db.write() as session,
        ):
            if logo.rows:
                assets.add(session, account_id=agent.account_id, files=logo)
                update.logo_url = assets.view(
                    logo.rows[0], public_url=settings.public_url
                ).public_url
            saved = brand.brand_of(brand.update(session, account_id=agent.account_id, data=update))
    except (ValidationError, BadRequest, TooLarge) as invalid:
        with db.read() as session:
            shown = brand.brand_of(brand.get(session, account_id=agent.account_id))
        errors = field_errors(invalid, messages=MESSAGES)
        return _page(request, agent, shown, draft, errors=errors, status=400)
    note = f"Brand saved. {contrast_note(saved.primary_color)}".strip()
    return redirect_with(request, "/console/settings", Flash(note))


@router.get("/brand/preview")
def preview(request: Request, primary_color: str = "") -> Response:
    """The preview beside the colour field, again at each keystroke (htmx)."""
    return render(request, "console/settings/_brand_preview.html", _preview(primary_color))


def typed_color(typed: str) -> str:
    """The colour as typed, `#` added before six bare hex digits and in lower case."""
    typed = typed.strip()
    return f"#{typed}".lower() if BARE_HEX.fullmatch(typed) else typed.lower()


def contrast_note(color: str) -> str:
    """Says so when buttons in `color` cannot have white text."""
    on = brand.text_on(color)
    if on == brand.WHITE:
        return ""
    white = brand.contrast_ratio(brand.WHITE, color)
    return (
        f"White text is hard to read on {color} ({white:.1f}:1, under 4.5:1), so buttons in it "
        f"have dark text ({brand.contrast_ratio(on, color):.1f}:1) and links a darker shade."
    )


def _preview(typed: str, fallback: str = "") -> dict[str, object]:
    """A button and a link in the typed colour; in `fallback` while it is not a colour yet."""
    color = typed_color(typed)
    color = color if COLOR.fullmatch(color) else fallback
    if not color:
        return {"preview": None}
    return {"preview": brand.Brand("", None, color), "note": contrast_note(color)}


def _page(
    request: Request,
    agent: Agent,
    shown: brand.Brand,
    draft: dict[str, str],
    *,
    errors: Errors | None = None,
    status: int = 200,
) -> Response:
    context = {"brand": shown, "draft": draft, "brand_errors": errors or {}}
    context |= _preview(draft["primary_color"], shown.primary_color)
    return settings_page(request, agent, "brand", "brand.html", context, status=status)

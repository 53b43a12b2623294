"""`Email me a link`: a client asks for a way into the portal by email. The answer is the same
whether or not the address belongs to a client, and a few links per quarter of an hour at most are
sent to one client."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hookdesk.accounts import brand
from hookdesk.db.dependencies import Db
from hookdesk.errors import NotFound
from hookdesk.mail import outbox
from hookdesk.shared.ids import parse_uuid
from hookdesk.web import cookies
from hookdesk.web.auth import AnonymousForm
from hookdesk.web.pages import text
from hookdesk.web.portal import language
from hookdesk.web.portal.language import N_

router = APIRouter()
MAX_EMAIL = 320


@router.get("/sign-in/{account_id}")
def email_link_page(
    request: Request, account_id: str, db: Db, signed_out: bool = False
) -> Response:
    return _page(request, db, account_id, signed_out=signed_out)


@router.post("/sign-in/{account_id}")
def email_link(request: Request, account_id: str, form: AnonymousForm, db: Db) -> Response:
    email = text(form, "email").strip()
    if "@" not in email or len(email) > MAX_EMAIL or any(c.isspace() for c in email):
        return _page(request, db, account_id, error=N_("Enter your email address."), status=400)
    shown = _brand(db, account_id)
    with db.write() as session:
        outbox.queue_portal_link(session, account_id=shown[0], email=email)
    return _page(request, db, account_id, sent_to=email)


def _page(
    request: Request,
    db: Db,
    account_id: str,
    *,
    sent_to: str | None = None,
    signed_out: bool = False,
    error: str | None = None,
    status: int = 200,
) -> Response:
    found, shown = _brand(db, account_id)
    speaks = language.of_browser(request)
    context = {
        "title": language.translate(speaks, N_("Email me a link")),
        "brand": shown,
        "action": f"/portal/sign-in/{found}",
        "sent_to": sent_to,
        "notices": [language.translate(speaks, N_("You are signed out."))] if signed_out else [],
        "error": language.translate(speaks, error) if error else None,
        "csrf": cookies.form_token(request),
    }
    return language.render_in(speaks, request, "portal/email_link.html", context, status=status)


def _brand(db: Db, account_id: str) -> tuple[str, brand.Brand]:
    found = parse_uuid(account_id)
    with db.read() as session:
        try:
            account = brand.get(session, account_id=found) if found else None
        except LookupError:
            account = None
        if found is None or account is None:
            raise NotFound("There is no support portal at this address.")
        return found, brand.brand_of(account)

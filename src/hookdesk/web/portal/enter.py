"""Entering the portal through the one-time link the agency sent, and signing out.

Opening the link only shows a button: mail scanners open links, and must not use them up.
"""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hookdesk.access import links, sessions, signin
from hookdesk.accounts import brand
from hookdesk.db.dependencies import Db
from hookdesk.shared.clock import now
from hookdesk.shared.ids import parse_uuid
from hookdesk.web import cookies
from hookdesk.web.auth import AnonymousForm, ClientForm, CurrentClient
from hookdesk.web.pages import redirect
from hookdesk.web.portal import language
from hookdesk.web.portal.error_context import agency_context
from hookdesk.web.portal.language import N_

router = APIRouter()
REMEMBER_AGENCY = 365 * 86_400  # the error pages' brand after the session ended
UNUSABLE = N_(
    "This link to your support portal has expired or was used already. "
    "Ask for a new one below, or ask your support team."
)


@router.get("/enter/{token}")
def enter_page(request: Request, token: str, db: Db) -> Response:
    with db.read() as session:
        link = links.peek(session, links.Purpose.PORTAL, token)
        if link is None:
            account_id = links.account_of(session, token)
        else:
            shown = brand.brand_of(brand.get(session, account_id=link.account_id))
    if link is None:
        return _link_unusable(request, db, account_id)
    speaks = language.of_client(db, account_id=link.account_id, client_id=link.subject_id)
    context = {
        "title": language.translate(speaks, N_("Your support portal")),
        "brand": shown,
        "csrf": cookies.form_token(request),
    }
    return language.render_in(speaks, request, "portal/enter.html", context)


@router.post("/enter/{token}")
def enter(
    request: Request, token: str, _form: AnonymousForm, db: Db, ticket: str | None = None
) -> Response:
    """Signs the client in; the page's form posts back to the link's own address, so the
    `ticket` of a notification's link is kept, and the client lands on that conversation."""
    try:
        with db.write() as session:
            signed_in = signin.enter_portal(session, token)
    except signin.LinkUnusable:
        with db.read() as session:
            account_id = links.account_of(session, token)
        return _link_unusable(request, db, account_id)
    response = redirect(_landing(ticket))
    lasts = signed_in.started.expires_at - now()  # the agency's session length
    cookies.put(request, response, cookies.CLIENT, signed_in.started.token, lasts)
    cookies.put(request, response, cookies.AGENCY, signed_in.account_id, REMEMBER_AGENCY)
    return response


@router.post("/sign-out")
def sign_out(request: Request, client: CurrentClient, _form: ClientForm, db: Db) -> Response:
    """Ends the session on the server, then shows the agency's `Email me a link` page, the way
    back in."""
    with db.write() as session:
        sessions.end(session, request.cookies[cookies.CLIENT])
    speaks = language.of_client(db, account_id=client.account_id, client_id=client.client_id)
    response = redirect(f"/portal/sign-in/{client.account_id}?signed_out=1&lang={speaks}")
    cookies.drop(request, response, cookies.CLIENT)
    return response


def _landing(ticket: str | None) -> str:
    """The ticket's page, or the list: only an id, never an address, leads anywhere (the
    ticket's page shows a client only their own tickets)."""
    ticket_id = parse_uuid(ticket) if ticket else None
    return f"/portal/tickets/{ticket_id}" if ticket_id else "/portal"


def _link_unusable(request: Request, db: Db, account_id: str | None) -> Response:
    speaks = language.of_browser(request)
    context = {
        "title": language.translate(speaks, N_("This link cannot be used")),
        "message": language.translate(speaks, UNUSABLE),
        **agency_context(db, account_id),
    }
    return language.render_in(speaks, request, "error.html", context, status=400)

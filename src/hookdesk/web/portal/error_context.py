"""What the portal's error pages show: the title and the message in the client's language
(web/portal/language.py), no ids, the agency's brand and a way back.

A signed-in client's error page wears their agency's brand and leads back to their tickets. When
there is no session (it ended, or a link was used up), the agency is the link's or the one the
browser entered last (the `portal_agency` cookie): its brand, and `Email me a link` to come back.
Without either, the page is neutral: it never names the product."""

from typing import Any

from fastapi import Request

from hookdesk.accounts import brand
from hookdesk.db import Database
from hookdesk.errors import ErrorCode, HookdeskError
from hookdesk.http.errors import DatabaseUnavailable, InternalError
from hookdesk.shared.catalogs import N_
from hookdesk.shared.ids import parse_uuid
from hookdesk.web import cookies
from hookdesk.web.auth import current_client
from hookdesk.web.errors import ROUTE_NOT_FOUND, title_of
from hookdesk.web.portal import language

LAYOUT = "portal/layout.html"
NOT_YOURS = N_("This page does not exist, or it is not yours to see.")
OUR_SIDE = N_("Something went wrong on our side. Please try again later (reference %(reference)s).")


def portal_error(request: Request, error: HookdeskError) -> dict[str, Any]:
    """The error page's context; with the database away, neutral and in the browser's language."""
    shown = {} if isinstance(error, DatabaseUnavailable) else error_context(request)
    client = shown.get("client")
    speaks = (
        language.of_client(
            request.app.state.database, account_id=client.account_id, client_id=client.client_id
        )
        if client
        else language.of_browser(request)
    )
    return {
        "title": language.translate(speaks, title_of(error)),
        "message": _message(speaks, error),
        **shown,
        **language.speaking(speaks),
    }


def _message(speaks: str, error: HookdeskError) -> str:
    """The portal is the agency's: no product name, and no ids a client cannot use."""
    if isinstance(error, InternalError):
        return language.translate(speaks, OUR_SIDE) % {"reference": error.request_id}
    if error.status == 404:
        shown = ROUTE_NOT_FOUND if error.code == ErrorCode.ROUTE_NOT_FOUND else NOT_YOURS
        return language.translate(speaks, shown)
    return language.translate(speaks, error.message)


def error_context(request: Request) -> dict[str, Any]:
    """The context of an error page under /portal; the database must be reachable."""
    database: Database = request.app.state.database
    try:
        client = current_client(request, database)
    except Exception:  # no session, or a lookup failing: the page still shows
        return agency_context(database, request.cookies.get(cookies.AGENCY))
    return {"layout": LAYOUT, "client": client, "back": "/portal"}


def agency_context(database: Database, account_id: str | None) -> dict[str, Any]:
    """The agency's brand and its `Email me a link` page; {} when the account is unknown."""
    found = parse_uuid(account_id) if account_id else None
    if found is None:
        return {}
    with database.read() as session:
        try:
            shown = brand.brand_of(brand.get(session, account_id=found))
        except LookupError:
            return {}
    return {"layout": LAYOUT, "brand": shown, "email_link": f"/portal/sign-in/{found}"}

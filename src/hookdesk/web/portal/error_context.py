"""What the portal's error pages show around the message: the agency's brand and a way back.

A signed-in client's error page wears their agency's brand and leads back to their tickets. When
there is no session (it ended, or a link was used up), the agency is the link's or the one the
browser entered last (the `portal_agency` cookie): its brand, and `Email me a link` to come back.
Without either, the page is neutral: it never names the product."""

from typing import Any

from fastapi import Request

from hookdesk.accounts import brand
from hookdesk.db import Database
from hookdesk.shared.ids import parse_uuid
from hookdesk.web import cookies
from hookdesk.web.auth import current_client

LAYOUT = "portal/layout.html"


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

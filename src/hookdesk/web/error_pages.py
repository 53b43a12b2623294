"""What a page shows when something goes wrong: an HTML page, never a JSON body or a traceback.
The one error handler (http/errors.py) hands every failure on a page to `error_page`."""

from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from hookdesk.errors import ErrorCode, HookdeskError
from hookdesk.http.errors import DatabaseUnavailable, InternalError
from hookdesk.web.auth import current_client
from hookdesk.web.errors import SignInRequired
from hookdesk.web.templating import templates

TITLES = {
    400: "That did not work",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed",
    413: "Too large",
    429: "Too many attempts",
    503: "Not available right now",
}


def error_page(request: Request, error: HookdeskError) -> Response:
    if isinstance(error, SignInRequired):
        target = request.url.path if request.method == "GET" else "/console"
        return RedirectResponse(f"/console/sign-in?next={quote(target)}", status_code=303)
    context = {
        "title": TITLES.get(error.status, "Something went wrong"),
        "message": _message(request, error),
        **_portal_brand(request, error),
    }
    return templates.TemplateResponse(
        request, "error.html", context, status_code=error.status, headers=error.headers
    )


def _message(request: Request, error: HookdeskError) -> str:
    if error.code == ErrorCode.ROUTE_NOT_FOUND:
        return "There is no page at this address."
    # The portal is in the agency's brand: an internal error without the product's name.
    if isinstance(error, InternalError) and request.url.path.startswith("/portal"):
        return (
            "Something went wrong on our side. "
            f"Please try again later (reference {error.request_id})."
        )
    return error.message


def _portal_brand(request: Request, error: HookdeskError) -> dict[str, object]:
    """In the portal, the signed-in client, whose agency's brand the error page wears; none when
    there is no session or the database is away."""
    if not request.url.path.startswith("/portal") or isinstance(error, DatabaseUnavailable):
        return {}
    try:
        client = current_client(request, request.app.state.database)
    except Exception:  # an error page shows, whatever the lookup meets
        return {}
    return {"layout": "portal/layout.html", "client": client}

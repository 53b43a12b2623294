"""What a page shows when something goes wrong: an HTML page, never a JSON body or a traceback.
The one error handler (http/errors.py) hands every failure on a page to `error_page`."""

from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from hookdesk.errors import ErrorCode, HookdeskError
from hookdesk.http.errors import DatabaseUnavailable, InternalError
from hookdesk.web.errors import SignInRequired
from hookdesk.web.portal.error_context import error_context
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
    if _in_portal(request):
        return _portal_message(error)
    return error.message


def _portal_message(error: HookdeskError) -> str:
    """The portal is the agency's: no product name, and no ids a client cannot use."""
    if isinstance(error, InternalError):
        return (
            "Something went wrong on our side. "
            f"Please try again later (reference {error.request_id})."
        )
    if error.status == 404:
        return "This page does not exist, or it is not yours to see."
    return error.message


def _portal_brand(request: Request, error: HookdeskError) -> dict[str, object]:
    """In the portal, the agency's brand and a way back (web/portal/error_context.py); none when
    the database is away."""
    if not _in_portal(request) or isinstance(error, DatabaseUnavailable):
        return {}
    return error_context(request)


def _in_portal(request: Request) -> bool:
    return request.url.path.startswith("/portal")

"""What a page shows when something goes wrong: an HTML page, never a JSON body or a traceback.
The one error handler (http/errors.py) hands every failure on a page to `error_page`; the portal's
wear the agency's brand, in the client's language (web/portal/error_context.py)."""

from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from hookdesk.errors import ErrorCode, HookdeskError
from hookdesk.web.errors import ROUTE_NOT_FOUND, SignInRequired, title_of
from hookdesk.web.portal.error_context import portal_error
from hookdesk.web.templating import templates


def error_page(request: Request, error: HookdeskError) -> Response:
    if isinstance(error, SignInRequired):
        target = request.url.path if request.method == "GET" else "/console"
        return RedirectResponse(f"/console/sign-in?next={quote(target)}", status_code=303)
    if request.url.path.startswith("/portal"):
        context = portal_error(request, error)
    else:
        context = {"title": title_of(error), "message": _message(error)}
    return templates.TemplateResponse(
        request, "error.html", context, status_code=error.status, headers=error.headers
    )


def _message(error: HookdeskError) -> str:
    return ROUTE_NOT_FOUND if error.code == ErrorCode.ROUTE_NOT_FOUND else error.message

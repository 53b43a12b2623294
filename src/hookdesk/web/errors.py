"""What a page shows when something goes wrong: an HTML page, never a JSON body or a traceback."""

import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException

from hookdesk.errors import HookdeskError
from hookdesk.http.request_log import HEADER
from hookdesk.web.templating import templates

Handler = Callable[[Request, Any], Response | Awaitable[Response]]

PAGE_PREFIXES = ("/console", "/portal")


class SignInRequired(Exception):
    """No agent session: the browser is sent to the sign-in page, and back afterwards."""


class AdminRequired(Exception):
    """A signed-in agent on a page for the account's admins."""


class PortalLinkRequired(Exception):
    """No client session: the portal asks for a new link from the agency."""


class FormExpired(Exception):
    """A form post without its CSRF token, or with another one."""


def is_page(request: Request) -> bool:
    return request.url.path.startswith(PAGE_PREFIXES)


def page(request: Request, status: int, message: str) -> Response:
    titles = {
        400: "That did not work",
        403: "Not allowed",
        404: "Not found",
        405: "Not allowed",
        413: "Too large",
    }
    context = {"title": titles.get(status, "Something went wrong"), "message": message}
    return templates.TemplateResponse(request, "error.html", context, status_code=status)


def install(app: FastAPI) -> None:
    """After `http.errors.install`: the API's handlers keep their messages; on a page they are
    shown as an HTML page."""
    for error_class in (HookdeskError, RequestValidationError, HTTPException, Exception):
        app.add_exception_handler(error_class, _as_page(app.exception_handlers[error_class]))
    app.add_exception_handler(SignInRequired, _to_sign_in)
    app.add_exception_handler(AdminRequired, _admin_required)
    app.add_exception_handler(PortalLinkRequired, _portal_link_required)
    app.add_exception_handler(FormExpired, _form_expired)


def _as_page(api_handler: Handler) -> Handler:
    async def handle(request: Request, error: Any) -> Response:
        answer = api_handler(request, error)
        if isinstance(answer, Awaitable):
            answer = await answer
        if not is_page(request):
            return answer
        if isinstance(error, HTTPException) and error.status_code == 404:
            return page(request, 404, "There is no page at this address.")
        shown = page(request, answer.status_code, _message(request, answer))
        if HEADER in answer.headers:  # a 500 answers outside the request log: keep its id
            shown.headers[HEADER] = answer.headers[HEADER]
        return shown

    return handle


def _message(request: Request, answer: Response) -> str:
    """The API's message, but in the portal (the agency's brand) an internal error's without the
    product's name in it."""
    if answer.status_code == 500 and request.url.path.startswith("/portal"):
        reference = answer.headers.get(HEADER, "unknown")
        return f"Something went wrong on our side. Please try again later (reference {reference})."
    message: str = json.loads(bytes(answer.body))["error"]
    return message


async def _to_sign_in(request: Request, _error: Exception) -> Response:
    target = request.url.path if request.method == "GET" else "/console"
    return RedirectResponse(f"/console/sign-in?next={quote(target)}", status_code=303)


async def _admin_required(request: Request, _error: Exception) -> Response:
    message = "Only the account's admins can open this page. Ask one of them to make you an admin."
    return page(request, 403, message)


async def _portal_link_required(request: Request, _error: Exception) -> Response:
    message = (
        "Your portal session has ended or this page is not yours. "
        "Ask for a new link to your support portal."
    )
    return page(request, 401, message)


async def _form_expired(request: Request, _error: Exception) -> Response:
    message = "This form has expired. Go back, reload the page and try again."
    return page(request, 403, message)

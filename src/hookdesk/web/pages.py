"""Rendering a page, and the small answers every page module needs."""

from collections.abc import Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from hookdesk.web import cookies
from hookdesk.web.templating import templates
from hookdesk.webhooks.payloads import TicketView

Errors = dict[str, str]


def render(
    request: Request, template: str, context: Mapping[str, Any], *, status: int = 200
) -> Response:
    response = templates.TemplateResponse(request, template, dict(context), status_code=status)
    cookies.keep_form_token(request, response)
    return response


def redirect(url: str) -> RedirectResponse:
    """After a successful post, the browser loads the next page with a GET (post/redirect/get)."""
    return RedirectResponse(url, status_code=303)


def text(form: Mapping[str, Any], name: str) -> str:
    """A text field of a posted form; '' when absent or when a file was sent in its place."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def conversation_version(ticket: TicketView) -> str:
    """What a polling ticket page compares: it changes with every reply (several in one second
    too), resolution, reopening and assignment."""
    return f"{len(ticket.replies)}.{int(ticket.is_open)}.{ticket.teammate_id}.{ticket.updated_at}"

"""What a successful post says on the page it redirects to (post/redirect/get): a notice, and
once, a secret to copy (a new API key, an invite link).

It travels in the `flash` cookie, sealed with the server's secret box so that a secret never lies
readable in the browser's cookie store, and is dropped by the page that shows it: a reload shows
it no more.
"""

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import Response

from hookdesk.shared.secretbox import SecretBox
from hookdesk.web import cookies
from hookdesk.web.pages import redirect, render

LIFETIME = 60  # seconds: the redirect follows at once


@dataclass(frozen=True)
class Flash:
    notice: str
    secret: str | None = None
    secret_label: str = ""  # names the secret's field, such as "New API key"


def redirect_with(request: Request, url: str, flash: Flash) -> Response:
    """To `url`, whose page alone shows the flash: a secret made for one endpoint's page is never
    shown on another's."""
    response = redirect(url)
    held = {"for": urlsplit(url).path, **asdict(flash)}
    sealed = _box(request).seal(json.dumps(held))
    cookies.put(request, response, cookies.FLASH, sealed, max_age=LIFETIME)
    return response


def render_flashed(
    request: Request, template: str, context: Mapping[str, Any], *, status: int = 200
) -> Response:
    """`render`, with the flash (if any) among the notices and as `flash`, then forgotten."""
    flash = taken(request)
    notices = [*context.get("notices", []), *([flash.notice] if flash else [])]
    response = render(
        request, template, {**context, "notices": notices, "flash": flash}, status=status
    )
    drop(request, response)
    return response


def taken(request: Request) -> Flash | None:
    """What the post before this page left to say, if anything; the page that shows it `drop`s
    it."""
    sealed = request.cookies.get(cookies.FLASH)
    if not sealed:
        return None
    try:
        held = json.loads(_box(request).open(sealed))
        page = held.pop("for")
        flash = Flash(**held)
    except (ValueError, TypeError, KeyError):  # another key's, or not ours: nothing to say
        return None
    return flash if page == request.url.path else None


def drop(request: Request, response: Response) -> None:
    if cookies.FLASH in request.cookies:
        cookies.drop(request, response, cookies.FLASH)


def _box(request: Request) -> SecretBox:
    box: SecretBox = request.app.state.secret_box
    return box

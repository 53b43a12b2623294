"""The cookies of the pages: HttpOnly, SameSite, and Secure unless in development mode.

A signed-in agent's session lives in `agent_session`, a client's in `client_session` (sent only
under /portal). `portal_agency` names the agency whose portal the browser entered last, so that an
error page after the session ended still wears its brand and offers `Email me a link`. Forms shown
before a session exists (sign-in, invite, portal entry) carry a token that must equal the
`form_token` cookie (the double-submit pattern). `flash` carries, sealed, what a console form has
to say on the page it redirects to, a new API key or signing secret included (web/flash.py).
"""

import secrets

from fastapi import Request, Response

AGENT = "agent_session"
CLIENT = "client_session"
FORM = "form_token"
AGENCY = "portal_agency"
FLASH = "flash"
PATHS = {
    AGENT: "/",
    CLIENT: "/portal",
    FORM: "/",
    AGENCY: "/portal",
    FLASH: "/console",
}


def secure(request: Request) -> bool:
    return not request.app.state.settings.dev


def put(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=PATHS[name],
        httponly=True,
        samesite="lax",
        secure=secure(request),
    )


def drop(request: Request, response: Response, name: str) -> None:
    response.delete_cookie(
        name, path=PATHS[name], httponly=True, samesite="lax", secure=secure(request)
    )


def form_token(request: Request) -> str:
    """The anonymous form token: the cookie's, or a new one that `keep_form_token` will set."""
    existing = request.cookies.get(FORM)
    if existing:
        return existing
    token: str = getattr(request.state, "new_form_token", None) or secrets.token_urlsafe(32)
    request.state.new_form_token = token
    return token


def keep_form_token(request: Request, response: Response) -> None:
    token = getattr(request.state, "new_form_token", None)
    if token:
        put(request, response, FORM, token, max_age=86_400)

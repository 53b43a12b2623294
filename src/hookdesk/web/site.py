"""Mounts the pages on the app: routers, static files, security headers."""

from pathlib import PurePosixPath

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hookdesk.http.asgi import watching_start
from hookdesk.http.pages import is_page
from hookdesk.web.console.bulk import router as bulk_router
from hookdesk.web.console.clients import router as clients_router
from hookdesk.web.console.inbox import router as inbox_router
from hookdesk.web.console.mail import router as mail_router
from hookdesk.web.console.settings.brand import router as brand_router
from hookdesk.web.console.settings.categories import router as categories_router
from hookdesk.web.console.settings.keys import router as keys_router
from hookdesk.web.console.settings.portal import router as portal_settings_router
from hookdesk.web.console.settings.teammates import router as teammates_router
from hookdesk.web.console.signin import router as sign_in_router
from hookdesk.web.console.stream import router as stream_router
from hookdesk.web.console.tickets import router as tickets_router
from hookdesk.web.dashboard.pages import router as dashboard_router
from hookdesk.web.portal.pages import router as portal_router
from hookdesk.web.templating import STATIC

ROUTERS = (
    sign_in_router,
    inbox_router,
    clients_router,
    bulk_router,
    stream_router,
    tickets_router,
    brand_router,
    categories_router,
    teammates_router,
    keys_router,
    portal_settings_router,
    mail_router,
    portal_router,
    dashboard_router,
)

# Scripts only from hookdesk itself (htmx); styles may be inline for the brand colour; logos may
# be on any https host.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' https: data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # Links carry one-time tokens in their path: never let them leak in a Referer.
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def install(app: FastAPI) -> None:
    for router in ROUTERS:
        app.include_router(router, include_in_schema=False)
    app.mount("/static", Assets(directory=STATIC), name="static")
    app.add_middleware(SecurityHeaders)


class Assets(StaticFiles):
    """The static folder, serving only what pages load: a note kept beside the files (its
    README.md names the product) is not for a client's browser."""

    SERVED = frozenset({".css", ".js", ".png", ".svg", ".ico", ".woff2"})

    async def get_response(self, path: str, scope: Scope) -> Response:
        if PurePosixPath(path).suffix not in self.SERVED:
            raise HTTPException(status_code=404)
        return await super().get_response(path, scope)


class SecurityHeaders:
    """Adds `SECURITY_HEADERS` to every page's answer (plain ASGI: see http/asgi.py)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_page(scope["path"]):
            await self.app(scope, receive, send)
            return

        def at_start(message: Message) -> None:
            MutableHeaders(scope=message).update(SECURITY_HEADERS)

        await self.app(scope, receive, watching_start(send, at_start))

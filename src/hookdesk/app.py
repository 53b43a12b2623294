"""`create_app()`: the routers, the one error handler, the body limit."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from hookdesk import __version__
from hookdesk.assets.api import router as assets_router
from hookdesk.categories.api import router as categories_router
from hookdesk.clients.api import router as clients_router
from hookdesk.config import Settings
from hookdesk.db import Database
from hookdesk.http import errors
from hookdesk.http.health import router as health_router
from hookdesk.http.limits import BodyLimit
from hookdesk.teammates.api import router as teammates_router
from hookdesk.tickets.api import router as tickets_router

ROUTERS = (
    health_router,
    clients_router,
    teammates_router,
    categories_router,
    tickets_router,
    assets_router,
)


def create_app(settings: Settings, database: Database | None = None) -> FastAPI:
    """The ASGI app. A given `database` stays the caller's to close; otherwise the app owns one."""
    owned = database is None
    database = database or Database(
        settings.database_url, sqlite_synchronous=settings.sqlite_synchronous
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if owned:
            database.dispose()

    app = FastAPI(
        title="hookdesk",
        version=__version__,
        summary="A self-hostable whitelabel helpdesk with first-class webhooks.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.database = database
    errors.install(app)
    for router in ROUTERS:
        app.include_router(router)
    app.add_middleware(
        BodyLimit,
        max_body_bytes=settings.max_body_bytes,
        max_upload_bytes=settings.max_asset_bytes,
    )
    return app

"""`create_app()`: the routers, the pages, the one error handler, the body limit, the in-process
dispatcher, metrics and readiness."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import Depends, FastAPI

from hookdesk import __version__
from hookdesk.access.api import invite_router
from hookdesk.access.api import portal_router as portal_session_router
from hookdesk.access.api import settings_router as portal_settings_router
from hookdesk.accounts.api import keys_router as api_keys_router
from hookdesk.accounts.api import router as brand_router
from hookdesk.accounts.ratelimit import limiter_for
from hookdesk.assets.api import router as assets_router
from hookdesk.categories.api import router as categories_router
from hookdesk.clients.api import router as clients_router
from hookdesk.config import Settings
from hookdesk.db import Database
from hookdesk.http import errors
from hookdesk.http.characters import refuse_forbidden_characters
from hookdesk.http.health import router as health_router
from hookdesk.http.limits import BodyLimits
from hookdesk.http.openapi import document_errors_as_sent
from hookdesk.inbound.api import router as inbound_router
from hookdesk.mail.api import router as mail_router
from hookdesk.operations.api import router as operations_router
from hookdesk.operations.middleware import Requests
from hookdesk.operations.state import Operations
from hookdesk.ratings.api import router as ratings_router
from hookdesk.retention.api import router as client_erasure_router
from hookdesk.saved_replies.api import router as saved_replies_router
from hookdesk.shared.secretbox import SecretBox, box_for
from hookdesk.teammates.api import router as teammates_router
from hookdesk.tickets.api import router as tickets_router
from hookdesk.web import site
from hookdesk.web.error_pages import error_page
from hookdesk.webhooks.endpoints.api import router as webhook_endpoints_router
from hookdesk.webhooks.log.api import router as webhook_events_router
from hookdesk.webhooks.outbox.api import router as events_router
from hookdesk.workers import running_dispatcher

# FastAPI tries the routers in this order, and each one's routes in turn, until one matches: the
# ticket routes, most of the API's traffic, come first. A ticket retrieve was matched against 30
# routes before its own, 10% of its CPU in the app; now against a few. No path is served by two
# routers (tests/api/test_routing.py), so the order changes only how soon a route is found.
ROUTERS = (
    tickets_router,
    health_router,
    operations_router,
    clients_router,
    portal_session_router,
    client_erasure_router,
    teammates_router,
    invite_router,
    brand_router,
    portal_settings_router,
    api_keys_router,
    categories_router,
    saved_replies_router,
    ratings_router,
    assets_router,
    webhook_endpoints_router,
    webhook_events_router,
    events_router,
    mail_router,
    inbound_router,
)


def create_app(
    settings: Settings,
    database: Database | None = None,
    *,
    run_dispatcher: bool = False,
    box: SecretBox | None = None,
) -> FastAPI:
    """The ASGI app. A given `database` stays the caller's to close; otherwise the app owns one.

    With `run_dispatcher`, the app delivers webhooks itself while it runs (`hookdesk serve`)."""
    owned = database is None
    db = database or Database.of(settings)
    box = box or box_for(settings.secret_key, dev=settings.dev, data_dir=settings.data_dir)
    operations = Operations(db.url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            if run_dispatcher:
                # Its claims and records are awaited on this loop, beside the requests (PostgreSQL):
                # at 100 creates/s that beat a worker thread on latency and CPU. Near saturation a
                # thread's p99 was lower; `--workers` gives the dispatcher a process of its own.
                dispatching = running_dispatcher(db, settings, box, beside_the_api=True)
                operations.dispatcher = await stack.enter_async_context(dispatching)
            yield
        if db.on_loop is not None:
            await db.on_loop.close()
        operations.close()
        if owned:
            db.dispose()

    app = FastAPI(
        title="hookdesk",
        version=__version__,
        summary="A self-hostable whitelabel helpdesk with first-class webhooks.",
        lifespan=lifespan,
        dependencies=[Depends(refuse_forbidden_characters)],
    )
    app.state.settings = settings
    app.state.database = db
    app.state.secret_box = box
    app.state.operations = operations
    app.state.rate_limiter = limiter_for(settings, db)
    errors.install(app, page=error_page)
    for router in ROUTERS:
        app.include_router(router)
    site.install(app)
    limits = BodyLimits(
        max_body_bytes=settings.max_body_bytes,
        max_upload_bytes=settings.max_asset_bytes,
        max_mail_bytes=settings.max_mail_bytes,
    )
    app.add_middleware(Requests, limits=limits)  # id, log line, metrics, limits: one layer
    document_errors_as_sent(app)
    return app

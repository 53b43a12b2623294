"""The webhooks dashboard in the console: endpoints, their health, and the event log."""

from fastapi import APIRouter

from hookdesk.web.auth import ADMINS_ONLY
from hookdesk.web.dashboard import (
    catalog,
    endpoint_actions,
    endpoint_pages,
    event_log,
    event_pages,
)

router = APIRouter(prefix="/console/webhooks", dependencies=ADMINS_ONLY)
# The dashboard's home is the prefix itself, which an included router cannot carry.
router.add_api_route("", endpoint_pages.list_endpoints, methods=["GET"])
router.include_router(endpoint_pages.router)
router.include_router(endpoint_actions.router)
router.include_router(catalog.router)
router.include_router(event_log.router)
router.include_router(event_pages.router)

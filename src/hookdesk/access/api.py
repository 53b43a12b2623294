"""The routes that hand out one-time links: a client's way into the portal, a teammate's invite to
the console. They live beside the clients' and the teammates' routes in the API document."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from hookdesk.access import links, portal_settings
from hookdesk.access.schemas import LinkRead, link_answer
from hookdesk.accounts import brand
from hookdesk.accounts.dependencies import CurrentAccount
from hookdesk.db.dependencies import Db
from hookdesk.shared import responses
from hookdesk.shared.dependencies import CurrentSettings

portal_router = APIRouter(prefix="/v2/agency/clients", tags=["clients"])
invite_router = APIRouter(prefix="/v2/agency/teammates", tags=["teammates"])
settings_router = APIRouter(prefix="/v2/agency/portal", tags=["portal"])
SETTINGS = responses.documents_one("portal_settings", portal_settings.PortalSettingsRead)


@portal_router.post("/portal-session/{client_id}", responses=responses.documents(LinkRead, 404))
def open_portal_session(
    client_id: str, account_id: CurrentAccount, db: Db, settings: CurrentSettings
) -> JSONResponse:
    """A single-use link into the client portal, valid 15 minutes."""
    with db.write() as session:
        link = links.portal(
            session, account_id=account_id, client_id=client_id, public_url=settings.public_url
        )
        return link_answer(link)


@invite_router.post("/invite/{teammate_id}", responses=responses.documents(LinkRead, 400, 404))
def invite_teammate(
    teammate_id: str, account_id: CurrentAccount, db: Db, settings: CurrentSettings
) -> JSONResponse:
    """A one-time link (valid 7 days) where the teammate sets a password for the web console."""
    with db.write() as session:
        link = links.invite(
            session, account_id=account_id, teammate_id=teammate_id, public_url=settings.public_url
        )
        return link_answer(link)


@settings_router.get("/retrieve", responses=SETTINGS)
def retrieve_portal_settings(account_id: CurrentAccount, db: Db) -> JSONResponse:
    """The client portal's settings: how long a client stays signed in."""
    with db.read() as session:
        account = brand.get(session, account_id=account_id)
        return responses.one("portal_settings", portal_settings.settings_object(account))


@settings_router.post("/update", responses=SETTINGS)
def update_portal_settings(
    body: portal_settings.PortalSettingsUpdate, account_id: CurrentAccount, db: Db
) -> JSONResponse:
    """Changes the fields sent; a new session length holds for portal sessions started after."""
    with db.write() as session:
        account = portal_settings.update(session, account_id=account_id, data=body)
        return responses.one("portal_settings", portal_settings.settings_object(account))

"""The routes that hand out one-time links: a client's way into the portal, a teammate's invite to
the console. They live beside the clients' and the teammates' routes in the API document."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from hookdesk.access import links
from hookdesk.access.schemas import LinkRead, link_answer
from hookdesk.accounts.dependencies import CurrentAccount
from hookdesk.db.dependencies import Db
from hookdesk.shared import responses
from hookdesk.shared.dependencies import CurrentSettings

portal_router = APIRouter(prefix="/v2/agency/clients", tags=["clients"])
invite_router = APIRouter(prefix="/v2/agency/teammates", tags=["teammates"])


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

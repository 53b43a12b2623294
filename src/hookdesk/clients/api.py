from fastapi import APIRouter
from fastapi.responses import JSONResponse

from hookdesk.access import links
from hookdesk.access.schemas import LinkRead, link_answer
from hookdesk.accounts.dependencies import CurrentAccount
from hookdesk.assets.storage import LocalStorage
from hookdesk.clients import service
from hookdesk.clients.schemas import ClientCreate, ClientRead, client_object
from hookdesk.db.dependencies import Db
from hookdesk.retention import erasure
from hookdesk.retention.schemas import ErasureRead, erasure_object
from hookdesk.shared import responses
from hookdesk.shared.dependencies import CurrentSettings
from hookdesk.shared.paging import Paging

router = APIRouter(prefix="/v2/agency/clients", tags=["clients"])


@router.post("/create", responses=responses.documents_one("client", ClientRead, 409))
def create_client(body: ClientCreate, account_id: CurrentAccount, db: Db) -> JSONResponse:
    with db.write() as session:
        client = service.create(session, account_id=account_id, data=body)
        return responses.one("client", client_object(client))


@router.get("/list", responses=responses.documents_many("clients", ClientRead))
def list_clients(account_id: CurrentAccount, db: Db, page: Paging) -> JSONResponse:
    with db.read() as session:
        total, clients = service.list_page(session, account_id=account_id, page=page)
        return responses.many("clients", total, [client_object(c) for c in clients])


@router.get("/retrieve/{client_id}", responses=responses.documents_one("client", ClientRead, 404))
def retrieve_client(client_id: str, account_id: CurrentAccount, db: Db) -> JSONResponse:
    with db.read() as session:
        client = service.get(session, account_id=account_id, client_id=client_id)
        return responses.one("client", client_object(client))


@router.post("/portal-session/{client_id}", responses=responses.documents(LinkRead, 404))
def open_portal_session(
    client_id: str, account_id: CurrentAccount, db: Db, settings: CurrentSettings
) -> JSONResponse:
    """A single-use link into the client portal, valid 15 minutes."""
    with db.write() as session:
        link = links.portal(
            session, account_id=account_id, client_id=client_id, public_url=settings.public_url
        )
        return link_answer(link)


@router.post(
    "/delete/{client_id}", responses=responses.documents_one("client_erasure", ErasureRead, 404)
)
def delete_client(
    client_id: str, account_id: CurrentAccount, db: Db, settings: CurrentSettings
) -> JSONResponse:
    """Erase the client with their tickets, replies, files, events and deliveries (pending ones
    too) and portal access; the answer counts what went."""
    with db.write() as session:
        erased = erasure.erase_client(session, account_id=account_id, client_id=client_id)
    erasure.after_commit(db, LocalStorage(settings.assets_dir), erased)
    return responses.one("client_erasure", erasure_object(erased.record))

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from hookdesk.accounts.dependencies import CurrentAccount
from hookdesk.clients import service
from hookdesk.clients.schemas import ClientCreate, ClientRead, client_object
from hookdesk.db import dependencies as database
from hookdesk.db.dependencies import Db
from hookdesk.shared import responses
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
async def retrieve_client(client_id: str, account_id: CurrentAccount, db: Db) -> JSONResponse:
    def read(session: Session) -> JSONResponse:
        client = service.get(session, account_id=account_id, client_id=client_id)
        return responses.one("client", client_object(client))

    return await database.read(db, read, quick=True)

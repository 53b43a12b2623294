"""Erasing a client through the API (beside the clients' routes in the API document)."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from hookdesk.accounts.dependencies import CurrentAccount
from hookdesk.assets.storage import LocalStorage
from hookdesk.db.dependencies import Db
from hookdesk.retention import erasure
from hookdesk.retention.schemas import ErasureRead, erasure_object
from hookdesk.shared import responses
from hookdesk.shared.dependencies import CurrentSettings

router = APIRouter(prefix="/v2/agency/clients", tags=["clients"])


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

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from hookdesk.accounts.dependencies import CurrentAccount
from hookdesk.db.dependencies import Db
from hookdesk.saved_replies import service
from hookdesk.saved_replies.schemas import (
    SavedReplyCreate,
    SavedReplyRead,
    SavedReplyUpdate,
    saved_reply_object,
)
from hookdesk.shared import responses
from hookdesk.shared.paging import Paging

router = APIRouter(prefix="/v2/agency/saved-replies", tags=["saved replies"])
NAME = "saved_reply"
ONE = responses.documents_one(NAME, SavedReplyRead, 404)


@router.post("/create", responses=responses.documents_one(NAME, SavedReplyRead))
def create_saved_reply(body: SavedReplyCreate, account_id: CurrentAccount, db: Db) -> JSONResponse:
    with db.write() as session:
        saved = service.create(session, account_id=account_id, data=body)
        return responses.one(NAME, saved_reply_object(saved))


@router.get("/list", responses=responses.documents_many("saved_replies", SavedReplyRead))
def list_saved_replies(account_id: CurrentAccount, db: Db, page: Paging) -> JSONResponse:
    with db.read() as session:
        total, found = service.list_page(session, account_id=account_id, page=page)
        return responses.many("saved_replies", total, [saved_reply_object(s) for s in found])


@router.post("/update/{saved_reply_id}", responses=ONE)
def update_saved_reply(
    saved_reply_id: str, body: SavedReplyUpdate, account_id: CurrentAccount, db: Db
) -> JSONResponse:
    with db.write() as session:
        saved = service.update(
            session, account_id=account_id, saved_reply_id=saved_reply_id, data=body
        )
        return responses.one(NAME, saved_reply_object(saved))


@router.post("/delete/{saved_reply_id}", responses=ONE)
def delete_saved_reply(saved_reply_id: str, account_id: CurrentAccount, db: Db) -> JSONResponse:
    with db.write() as session:
        saved = service.delete(session, account_id=account_id, saved_reply_id=saved_reply_id)
        return responses.one(NAME, saved_reply_object(saved))

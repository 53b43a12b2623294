from fastapi import APIRouter
from fastapi.responses import JSONResponse

from hookdesk.accounts.dependencies import CurrentAccount
from hookdesk.categories import service
from hookdesk.categories.schemas import (
    CategoryCreate,
    CategoryRead,
    CategoryUpdate,
    category_object,
)
from hookdesk.db.dependencies import Db
from hookdesk.shared import responses
from hookdesk.shared.paging import Paging

router = APIRouter(prefix="/v2/agency/ticket-categories", tags=["ticket categories"])
NAME = "ticket_category"


@router.post("/create", responses=responses.documents_one(NAME, CategoryRead))
def create_category(body: CategoryCreate, account_id: CurrentAccount, db: Db) -> JSONResponse:
    with db.write() as session:
        category = service.create(session, account_id=account_id, data=body)
        return responses.one(NAME, category_object(category))


@router.get("/list", responses=responses.documents_many("ticket_categories", CategoryRead))
def list_categories(account_id: CurrentAccount, db: Db, page: Paging) -> JSONResponse:
    with db.read() as session:
        total, categories = service.list_page(session, account_id=account_id, page=page)
        return responses.many("ticket_categories", total, [category_object(c) for c in categories])


@router.post("/update/{category_id}", responses=responses.documents_one(NAME, CategoryRead, 404))
def update_category(
    category_id: str, body: CategoryUpdate, account_id: CurrentAccount, db: Db
) -> JSONResponse:
    with db.write() as session:
        category = service.update(
            session, account_id=account_id, category_id=category_id, data=body
        )
        return responses.one(NAME, category_object(category))


@router.post("/delete/{category_id}", responses=responses.documents_one(NAME, CategoryRead, 404))
def delete_category(category_id: str, account_id: CurrentAccount, db: Db) -> JSONResponse:
    with db.write() as session:
        category = service.delete(session, account_id=account_id, category_id=category_id)
        return responses.one(NAME, category_object(category))

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from hookdesk.accounts import brand
from hookdesk.accounts.dependencies import CurrentAccount
from hookdesk.db.dependencies import Db
from hookdesk.shared import responses

router = APIRouter(prefix="/v2/agency/brand", tags=["brand"])
ONE = responses.documents_one("brand", brand.BrandRead)


@router.get("/retrieve", responses=ONE)
def retrieve_brand(account_id: CurrentAccount, db: Db) -> JSONResponse:
    with db.read() as session:
        return responses.one("brand", brand.brand_object(brand.get(session, account_id=account_id)))


@router.post("/update", responses=ONE)
def update_brand(body: brand.BrandUpdate, account_id: CurrentAccount, db: Db) -> JSONResponse:
    with db.write() as session:
        account = brand.update(session, account_id=account_id, data=body)
        return responses.one("brand", brand.brand_object(account))

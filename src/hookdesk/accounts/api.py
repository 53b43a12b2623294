from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from hookdesk.accounts import api_keys, brand
from hookdesk.accounts.dependencies import CurrentAccount
from hookdesk.accounts.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyRead, api_key_object
from hookdesk.db import dependencies as database
from hookdesk.db.dependencies import Db
from hookdesk.shared import responses
from hookdesk.shared.paging import Paging

router = APIRouter(prefix="/v2/agency/brand", tags=["brand"])
ONE = responses.documents_one("brand", brand.BrandRead)


@router.get("/retrieve", responses=ONE)
async def retrieve_brand(account_id: CurrentAccount, db: Db) -> JSONResponse:
    def read(session: Session) -> JSONResponse:
        return responses.one("brand", brand.brand_object(brand.get(session, account_id=account_id)))

    return await database.read(db, read, quick=True)


@router.post("/update", responses=ONE)
def update_brand(body: brand.BrandUpdate, account_id: CurrentAccount, db: Db) -> JSONResponse:
    with db.write() as session:
        account = brand.update(session, account_id=account_id, data=body)
        return responses.one("brand", brand.brand_object(account))


keys_router = APIRouter(prefix="/v2/agency/api-keys", tags=["api keys"])


@keys_router.get("/list", responses=responses.documents_many("api_keys", ApiKeyRead))
def list_api_keys(account_id: CurrentAccount, db: Db, page: Paging) -> JSONResponse:
    """The account's API keys, revoked ones included; never the keys themselves."""
    with db.read() as session:
        total, found = api_keys.list_page(session, account_id=account_id, page=page)
        return responses.many("api_keys", total, [api_key_object(k) for k in found])


@keys_router.post("/create", responses=responses.documents_one("api_key", ApiKeyCreated))
def create_api_key(body: ApiKeyCreate, account_id: CurrentAccount, db: Db) -> JSONResponse:
    """A new key; the answer holds the key itself, which is shown only this once."""
    with db.write() as session:
        created = api_keys.create(session, account_id=account_id, name=body.name)
        answer = api_key_object(created.row) | {"key": created.plaintext}
        return responses.one("api_key", answer)


@keys_router.post(
    "/revoke/{api_key_id}", responses=responses.documents_one("api_key", ApiKeyRead, 404)
)
def revoke_api_key(api_key_id: str, account_id: CurrentAccount, db: Db) -> JSONResponse:
    """The key answers 401 from the next request on; the account's last active key stays."""
    with db.write() as session:
        key = api_keys.revoke(session, account_id=account_id, api_key_id=api_key_id)
        return responses.one("api_key", api_key_object(key))

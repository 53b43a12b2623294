from fastapi import APIRouter
from fastapi.responses import JSONResponse

from hookdesk.accounts.dependencies import CurrentAccount
from hookdesk.db.dependencies import Db
from hookdesk.shared import responses
from hookdesk.shared.dependencies import CurrentSettings
from hookdesk.shared.paging import Paging
from hookdesk.teammates import service
from hookdesk.teammates.schemas import (
    TeammateCreate,
    TeammateRead,
    TeammateUpdate,
    teammate_object,
)

router = APIRouter(prefix="/v2/agency/teammates", tags=["teammates"])


@router.post("/create", responses=responses.documents_one("teammate", TeammateRead, 409))
def create_teammate(body: TeammateCreate, account_id: CurrentAccount, db: Db) -> JSONResponse:
    with db.write() as session:
        teammate = service.create(session, account_id=account_id, data=body)
        return responses.one("teammate", teammate_object(teammate))


@router.get("/list", responses=responses.documents_many("teammates", TeammateRead))
def list_teammates(account_id: CurrentAccount, db: Db, page: Paging) -> JSONResponse:
    with db.read() as session:
        total, teammates = service.list_page(session, account_id=account_id, page=page)
        return responses.many("teammates", total, [teammate_object(t) for t in teammates])


@router.post(
    "/update/{teammate_id}", responses=responses.documents_one("teammate", TeammateRead, 404)
)
def update_teammate(
    teammate_id: str, body: TeammateUpdate, account_id: CurrentAccount, db: Db
) -> JSONResponse:
    """Change the name, role or `disabled`; disabling ends the teammate's web sessions at once."""
    with db.write() as session:
        teammate = service.update(
            session, account_id=account_id, teammate_id=teammate_id, data=body
        )
        return responses.one("teammate", teammate_object(teammate))


@router.post(
    "/delete/{teammate_id}", responses=responses.documents_one("teammate", TeammateRead, 404)
)
def delete_teammate(
    teammate_id: str, account_id: CurrentAccount, db: Db, settings: CurrentSettings
) -> JSONResponse:
    """The teammate can no longer sign in; each ticket assigned to them is unassigned (an
    `assigned` event each); their past replies keep their name."""
    with db.write() as session:
        teammate = service.delete(
            session, account_id=account_id, teammate_id=teammate_id, public_url=settings.public_url
        )
        return responses.one("teammate", teammate_object(teammate))

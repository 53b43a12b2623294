"""Reading the clients' ratings: clients give them in the portal, never through the API."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from hookdesk.accounts.dependencies import CurrentAccount
from hookdesk.db.dependencies import Db
from hookdesk.errors import BadRequest
from hookdesk.ratings import service
from hookdesk.ratings.schemas import RatingRead, rating_object
from hookdesk.shared import responses
from hookdesk.shared.paging import Paging
from hookdesk.shared.timeparse import parse_time

router = APIRouter(prefix="/v2/agency/ratings", tags=["ratings"])
TIME_HELP = "Unix seconds or ISO 8601; compared with created_at, inclusive."


@router.get("/list", responses=responses.documents_many("ticket_ratings", RatingRead))
def list_ratings(
    account_id: CurrentAccount,
    db: Db,
    page: Paging,
    ticket_id: UUID | None = None,
    from_: Annotated[str | None, Query(alias="from", description=TIME_HELP)] = None,
    to: Annotated[str | None, Query(description=TIME_HELP)] = None,
) -> JSONResponse:
    """The clients' ratings of resolved tickets, newest first."""
    with db.read() as session:
        total, found = service.list_page(
            session,
            account_id=account_id,
            page=page,
            ticket_id=str(ticket_id) if ticket_id else None,
            since=_time("from", from_),
            until=_time("to", to),
        )
        return responses.many("ticket_ratings", total, [rating_object(r) for r in found])


def _time(name: str, value: str | None) -> int | None:
    if not value:
        return None
    try:
        return parse_time(value)
    except ValueError as error:
        raise BadRequest(f"{error}.", field=name) from None

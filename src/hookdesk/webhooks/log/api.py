"""`/v2/webhook-events/*`: the event log API."""

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from hookdesk.accounts.dependencies import CurrentAccount
from hookdesk.db.dependencies import Db
from hookdesk.errors import BadRequest
from hookdesk.shared import responses
from hookdesk.shared.paging import Paging
from hookdesk.shared.timeparse import parse_time
from hookdesk.webhooks.catalog import EventType
from hookdesk.webhooks.log import service as log
from hookdesk.webhooks.objects import WEBHOOK_EVENT, attempt_object, webhook_event_object

router = APIRouter(prefix="/v2/webhook-events", tags=["webhook events"])
TIME_HELP = "Unix seconds or ISO 8601; compared with created_at, inclusive."


class AttemptRead(BaseModel):
    at: int
    status_code: int | None
    duration_ms: int
    response_body: str | None
    error: str | None


class WebhookEventRead(BaseModel):
    id: str
    object: Literal["webhook_event"]
    event_type: str
    endpoint_id: str
    status: Literal["pending", "delivered", "failed", "cancelled"]
    attempt_count: int
    next_attempt_at: int | None
    created_at: int
    payload: dict[str, Any] | None = None
    attempts: list[AttemptRead] | None = None


async def _filters(
    endpoint_id: UUID | None = None,
    event_type: EventType | None = None,
    status: Literal["pending", "delivered", "failed", "cancelled"] | None = None,
    from_: Annotated[str | None, Query(alias="from", description=TIME_HELP)] = None,
    to: Annotated[str | None, Query(description=TIME_HELP)] = None,
) -> log.LogFilters:
    return log.LogFilters(
        endpoint_id=str(endpoint_id) if endpoint_id else None,
        event_type=event_type.value if event_type else None,
        status=status,
        created_from=_time("from", from_),
        created_to=_time("to", to),
    )


def _time(name: str, value: str | None) -> int | None:
    if not value:
        return None
    try:
        return parse_time(value)
    except ValueError as error:
        raise BadRequest(f"{error}.", field=name) from None


@router.get("/list", responses=responses.documents_many("webhook_events", WebhookEventRead))
def list_events(
    account_id: CurrentAccount,
    db: Db,
    page: Paging,
    filters: Annotated[log.LogFilters, Depends(_filters)],
) -> JSONResponse:
    with db.read() as session:
        total, found = log.list_page(session, account_id=account_id, filters=filters, page=page)
        return responses.many("webhook_events", total, [webhook_event_object(d) for d in found])


@router.get(
    "/retrieve/{event_id}", responses=responses.documents_one(WEBHOOK_EVENT, WebhookEventRead, 404)
)
def retrieve_event(event_id: str, account_id: CurrentAccount, db: Db) -> JSONResponse:
    with db.read() as session:
        delivery = log.get(session, account_id=account_id, event_id=event_id)
        shown = webhook_event_object(delivery)
        shown["payload"] = log.payload(session, delivery)
        shown["attempts"] = [attempt_object(a) for a in log.attempts(session, delivery)]
        return responses.one(WEBHOOK_EVENT, shown)


@router.post(
    "/resend/{event_id}", responses=responses.documents_one(WEBHOOK_EVENT, WebhookEventRead, 404)
)
def resend_event(event_id: str, account_id: CurrentAccount, db: Db) -> JSONResponse:
    with db.write() as session:
        delivery = log.resend(session, account_id=account_id, event_id=event_id)
        return responses.one(WEBHOOK_EVENT, webhook_event_object(delivery))

from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from hookdesk.accounts.dependencies import CurrentAccount
from hookdesk.db.dependencies import Db
from hookdesk.errors import BadRequest
from hookdesk.inbound.apply import apply
from hookdesk.shared import responses
from hookdesk.shared.dependencies import CurrentSettings
from hookdesk.tickets.schemas import TicketRead
from hookdesk.webhooks.payloads import ticket_object

router = APIRouter(prefix="/v2/inbound", tags=["inbound email"])
MEDIA_TYPE = "message/rfc822"


class InboundRead(BaseModel):
    status: Literal[200]
    action: Literal["created", "replied", "ignored"]
    reason: str | None = Field(description="Why the message was ignored.")
    ticket: TicketRead | None


@router.post(
    "/email",
    responses=responses.documents(InboundRead, 400, 413),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def receive_email(
    request: Request, account_id: CurrentAccount, db: Db, settings: CurrentSettings
) -> JSONResponse:
    """Apply a raw RFC 5322 message as the account's IMAP polling would: a new ticket, a reply,
    or ignored with the reason. For MTAs and mail providers that forward mail by HTTP."""
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != MEDIA_TYPE:
        raise BadRequest(f"Send the raw message with Content-Type: {MEDIA_TYPE}.")
    raw = await request.body()
    if not raw.strip():
        raise BadRequest("The body is empty: send the raw message.")
    outcome = await run_in_threadpool(apply, db, settings, account_id=account_id, raw=raw)
    answer: dict[str, Any] = {
        "status": 200,
        "action": outcome.action,
        "reason": outcome.reason,
        "ticket": ticket_object(outcome.ticket) if outcome.ticket else None,
    }
    return JSONResponse(answer)

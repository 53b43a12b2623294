"""`GET /v2/events/stream`: the account's events, live, as server-sent events."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.sse import EventSourceResponse, ServerSentEvent

from hookdesk.accounts.dependencies import CurrentAccount
from hookdesk.db.dependencies import Db
from hookdesk.errors import BadRequest
from hookdesk.webhooks.catalog import EventType
from hookdesk.webhooks.outbox import live, stream

router = APIRouter(prefix="/v2/events", tags=["events"])


@dataclass(frozen=True)
class StreamStart:
    account_id: str
    event_types: list[str] | None
    after_seq: int


def _stream_start(
    account_id: CurrentAccount,
    db: Db,
    events: Annotated[str | None, Query(description="Comma-separated event types.")] = None,
    last_event_id: Annotated[str | None, Header()] = None,
) -> StreamStart:
    """Checked before the stream begins, so that bad input still gets a JSON error answer."""
    types = _event_types(events)
    if last_event_id is None:
        with db.read() as session:
            return StreamStart(account_id, types, stream.latest_seq(session, account_id=account_id))
    after_seq = stream.resumed_seq(last_event_id)
    if after_seq is None:
        raise BadRequest("must be the id of an event of this stream.", field="Last-Event-ID")
    return StreamStart(account_id, types, after_seq)


@router.get("/stream", response_class=EventSourceResponse)
async def stream_events(
    request: Request,
    start: Annotated[StreamStart, Depends(_stream_start)],
    db: Db,
    session: Annotated[UUID, Query(description="The listening session; its events' endpoint_id.")],
) -> AsyncIterator[ServerSentEvent]:
    """Each event as `id: <sequence>`, `event: <type>`, `data: <the body an endpoint gets>`.

    Send `Last-Event-ID` to resume after an event; without it the stream starts from now."""
    async for event in live.follow(
        db,
        account_id=start.account_id,
        after_seq=start.after_seq,
        event_types=start.event_types,
        disconnected=request.is_disconnected,
    ):
        if event is None:
            yield ServerSentEvent(comment="keep-alive")
            continue
        body = stream.body_for_session(event, str(session)).decode()
        yield ServerSentEvent(raw_data=body, event=event.event_type, id=str(event.id))


def _event_types(events: str | None) -> list[str] | None:
    if not events:
        return None
    types = [t.strip() for t in events.split(",") if t.strip()]
    known = {t.value for t in EventType}
    unknown = [t for t in types if t not in known]
    if unknown:
        raise BadRequest(f"unknown event types {unknown}; known: {sorted(known)}.", field="events")
    return types

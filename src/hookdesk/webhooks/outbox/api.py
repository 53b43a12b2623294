"""`GET /v2/events/stream`: the account's events, live, as server-sent events."""

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.sse import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from hookdesk.accounts.dependencies import CurrentAccount
from hookdesk.db.database import Database
from hookdesk.db.dependencies import Db
from hookdesk.errors import BadRequest
from hookdesk.models.webhooks import OutboxEvent
from hookdesk.webhooks.catalog import EventType
from hookdesk.webhooks.outbox import stream

router = APIRouter(prefix="/v2/events", tags=["events"])
POLL_SECONDS = 0.5  # changes committed by other processes are seen this late at most
KEEPALIVE_SECONDS = 15.0


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
    seq = start.after_seq
    wake = asyncio.Event()
    loop = asyncio.get_running_loop()

    def wake_up() -> None:
        loop.call_soon_threadsafe(wake.set)

    db.add_wakeup_listener(wake_up)
    quiet_since = time.monotonic()
    try:
        while not await request.is_disconnected():
            wake.clear()
            found = await run_in_threadpool(
                _next_events, db, start.account_id, seq, start.event_types
            )
            for event in found:
                body = stream.body_for_session(event, str(session)).decode()
                yield ServerSentEvent(raw_data=body, event=event.event_type, id=str(event.id))
                seq = event.id
            if found:
                quiet_since = time.monotonic()
                continue
            if time.monotonic() - quiet_since > KEEPALIVE_SECONDS:
                yield ServerSentEvent(comment="keep-alive")
                quiet_since = time.monotonic()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), POLL_SECONDS)
    finally:
        db.remove_wakeup_listener(wake_up)


def _event_types(events: str | None) -> list[str] | None:
    if not events:
        return None
    types = [t.strip() for t in events.split(",") if t.strip()]
    known = {t.value for t in EventType}
    unknown = [t for t in types if t not in known]
    if unknown:
        raise BadRequest(f"unknown event types {unknown}; known: {sorted(known)}.", field="events")
    return types


def _next_events(
    db: Database, account_id: str, seq: int, types: list[str] | None
) -> list[OutboxEvent]:
    with db.read() as session:
        return stream.after(session, account_id=account_id, seq=seq, event_types=types)

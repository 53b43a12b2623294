"""`GET /console/stream`: the account's ticket events, live, for the console's pages.

The same events and the same loop as `hookdesk listen`'s stream (webhooks/outbox/live.py), behind
the console's session instead of an API key. Each is a server-sent event named after its type
(TICKET_EVENTS: `whitelabel.ticket.created`, `.updated`, `.assigned`, `.resolved`) whose data is
`{"ticket_id": "..."}`, with the event's sequence number as its id: a page fetches what it shows
again rather than reading the event, and a browser that reconnects sends `Last-Event-ID` and
gets what it missed. Tags, priority and notes are in no event, so they do not wake a page.
"""

import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request
from fastapi.sse import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from hookdesk.access import sessions
from hookdesk.db.dependencies import Db
from hookdesk.web import cookies
from hookdesk.web.auth import CurrentAgent
from hookdesk.webhooks.catalog import OPERATIONAL_EVENT_TYPES, EventType
from hookdesk.webhooks.outbox import live, stream

router = APIRouter(prefix="/console")
TICKET_EVENTS = [t.value for t in EventType if t not in OPERATIONAL_EVENT_TYPES]


def _after_seq(
    agent: CurrentAgent, db: Db, last_event_id: Annotated[str | None, Header()] = None
) -> int:
    """Where the stream starts: after the event a reconnecting browser names, else from now."""
    resumed = stream.resumed_seq(last_event_id) if last_event_id else None
    if resumed is not None:
        return resumed
    with db.read() as session:
        return stream.latest_seq(session, account_id=agent.account_id)


@router.get("/stream", response_class=EventSourceResponse)
async def console_stream(
    request: Request,
    agent: CurrentAgent,
    db: Db,
    after_seq: Annotated[int, Depends(_after_seq)],
) -> AsyncIterator[ServerSentEvent]:
    async for event in live.follow(
        db,
        account_id=agent.account_id,
        after_seq=after_seq,
        event_types=TICKET_EVENTS,
        disconnected=request.is_disconnected,
    ):
        if event is None:
            # Signed out, disabled or deleted since: the end, and the browser's reconnection is
            # refused.
            if not await run_in_threadpool(_signed_in, db, request.cookies.get(cookies.AGENT)):
                return
            yield ServerSentEvent(comment="keep-alive")
            continue
        data = json.dumps({"ticket_id": event.ticket_id})
        yield ServerSentEvent(raw_data=data, event=event.event_type, id=str(event.id))


def _signed_in(db: Db, token: str | None) -> bool:
    with db.read() as session:
        return token is not None and sessions.agent(session, token) is not None

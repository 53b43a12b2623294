"""The event catalog: each event type in words, with a sample payload and a button that sends a
test of it to a chosen endpoint through the normal pipeline."""

import json
from collections.abc import Mapping
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from hookdesk.accounts.acting import Acting
from hookdesk.db.database import Database
from hookdesk.db.dependencies import Db
from hookdesk.errors import BadRequest, NotFound
from hookdesk.shared.clock import now
from hookdesk.shared.ids import new_id
from hookdesk.shared.paging import Page
from hookdesk.web.auth import Agent, AgentActing, AgentForm, CurrentAgent
from hookdesk.web.pages import Errors, redirect, render, text
from hookdesk.webhooks.catalog import API_VERSION, OPERATIONAL_EVENT_TYPES, EventType
from hookdesk.webhooks.endpoints import service
from hookdesk.webhooks.endpoints.schemas import EndpointTest
from hookdesk.webhooks.ids import new_webhook_event_id
from hookdesk.webhooks.log import alerts
from hookdesk.webhooks.outbox.samples import sample_data
from hookdesk.webhooks.payloads import render_body
from hookdesk.webhooks.statuses import EndpointStatus

router = APIRouter(prefix="/catalog")
# Where each type is documented, in the repository (the docs are not served by the app).
DOCS = "docs/events/{type}.json"
DESCRIPTIONS = {
    EventType.TICKET_CREATED: "A ticket was opened: by a client's email or the portal, or by an "
    "agent or the API. The ticket carries its first replies (the description, then the "
    "category's automated reply if it has one).",
    EventType.TICKET_UPDATED: "A reply was added to a ticket, by the client or by an agent; "
    "data.reply is the new reply. A reply to a resolved ticket reopens it.",
    EventType.TICKET_ASSIGNED: "A ticket's teammate changed (teammate_id, null when it was "
    "unassigned).",
    EventType.TICKET_RESOLVED: "A ticket was resolved, by an agent or by the client: is_open "
    "is false.",
    EventType.ENDPOINT_DISABLED: "One of the account's endpoints was disabled automatically: it "
    "answered 410 Gone, or had no successful delivery for days. Sent to the account's other "
    "endpoints.",
    EventType.EVENT_FAILED: "A delivery failed for good: its retry schedule is spent. Sent to "
    "the account's other endpoints, without the failed event's payload.",
}


@dataclass(frozen=True)
class Entry:
    type: str
    description: str
    operational: bool
    sample: str
    docs: str


@router.get("")
def catalog(request: Request, agent: CurrentAgent, acting: AgentActing, db: Db) -> Response:
    return _page(request, agent, acting, db, errors={})


@router.post("/test")
def send_test(
    request: Request, agent: CurrentAgent, form: AgentForm, acting: AgentActing, db: Db
) -> Response:
    event_type, endpoint_id = text(form, "event_type"), text(form, "endpoint_id")
    try:
        chosen = EndpointTest.model_validate({"event_type": event_type}).event_type
        with db.write() as session:
            event_id = service.send_test(session, acting, endpoint_id, chosen)
    except ValidationError:
        return _page(request, agent, acting, db, errors={"_form": "Choose an event type."})
    except NotFound:
        errors = {event_type: "Choose an endpoint from the list."}
        return _page(request, agent, acting, db, errors=errors, chosen=endpoint_id)
    except BadRequest as refused:
        errors = {event_type: refused.message}
        return _page(request, agent, acting, db, errors=errors, chosen=endpoint_id)
    return redirect(f"/console/webhooks/events/{event_id}?done=test")


def entries() -> list[Entry]:
    return [_entry(event_type) for event_type in EventType]


def _entry(event_type: EventType) -> Entry:
    """The type with a sample as an endpoint receives it (made-up ids and times)."""
    _, data = sample_data(event_type, at=int(now()))
    body = render_body(
        event_id=new_webhook_event_id(),
        event_type=event_type.value,
        api_version=API_VERSION,
        data_json=json.dumps(data, separators=(",", ":"), ensure_ascii=False),
        endpoint_id=new_id(),
    )
    return Entry(
        type=event_type.value,
        description=DESCRIPTIONS[event_type],
        operational=event_type in OPERATIONAL_EVENT_TYPES,
        sample=json.dumps(json.loads(body), indent=2, ensure_ascii=False),
        docs=DOCS.format(type=event_type.value),
    )


def _page(
    request: Request,
    agent: Agent,
    acting: Acting,
    db: Database,
    *,
    errors: Errors,
    chosen: str = "",
) -> Response:
    with db.read() as session:
        _, endpoints = service.list_page(session, acting, Page(1, service.MAX_ENDPOINTS))
        enabled = [e for e in endpoints if e.status == EndpointStatus.ENABLED]
        context: Mapping[str, object] = {
            "title": "Event catalog",
            "agent": agent,
            "section": "webhooks",
            "entries": entries(),
            "endpoint_options": [(e.id, e.url) for e in enabled],
            "chosen_endpoint": chosen,
            "errors": errors,
            "alerts": alerts.alerts(session, account_id=agent.account_id, now=now()),
        }
        status = 400 if errors else 200
        return render(request, "dashboard/catalog.html", context, status=status)

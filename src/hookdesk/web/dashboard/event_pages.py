"""The event log: every event sent to an endpoint, filtered and paged; one event's request and
attempts; resending it."""

import json
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from hookdesk.db.dependencies import Db
from hookdesk.shared.clock import now
from hookdesk.shared.paging import MAX_PAGE, Page
from hookdesk.web.auth import AgentActing, AgentForm, CurrentAgent
from hookdesk.web.dashboard.endpoint_view import EVENT_OPTIONS, EVENT_TYPES
from hookdesk.web.pages import Errors, redirect, render
from hookdesk.webhooks.endpoints import service
from hookdesk.webhooks.log import alerts, wire
from hookdesk.webhooks.log import service as log
from hookdesk.webhooks.log.outcomes import in_words
from hookdesk.webhooks.statuses import WebhookEventStatus

router = APIRouter(prefix="/events")
PER_PAGE = 25
STATUSES = list(WebhookEventStatus)
NOTICES = {
    "resent": "The event is queued to be sent again now.",
    "test": "Test event queued: it goes through the normal pipeline, signed and retried.",
}


@router.get("")
def event_log(
    request: Request,
    agent: CurrentAgent,
    acting: AgentActing,
    db: Db,
    endpoint_id: str = "",
    event_type: str = "",
    status: str = "",
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
) -> Response:
    chosen = {"endpoint_id": endpoint_id, "event_type": event_type, "status": status}
    errors = _filter_errors(chosen)
    kept = {k: v or None for k, v in chosen.items() if k not in errors}
    filters = log.LogFilters(
        endpoint_id=kept.get("endpoint_id"),
        event_type=kept.get("event_type"),
        status=kept.get("status"),
    )
    with db.read() as session:
        _, endpoints = service.list_page(session, acting, Page(1, service.MAX_ENDPOINTS))
        total, found = log.list_page(
            session, account_id=agent.account_id, filters=filters, page=Page(page, PER_PAGE)
        )
        context = {
            "title": "Event log",
            "agent": agent,
            "section": "webhooks",
            "events": found,
            "endpoint_urls": {e.id: e.url for e in endpoints},
            "endpoint_options": [(e.id, e.url) for e in endpoints],
            "event_options": EVENT_OPTIONS,
            "status_options": [(s, s) for s in STATUSES],
            "chosen": chosen,
            "errors": errors,
            "total": total,
            "pages": _pager(chosen, page, total),
            "alerts": alerts.alerts(session, account_id=agent.account_id, now=now()),
        }
        return render(request, "dashboard/events.html", context, status=400 if errors else 200)


@router.get("/{event_id}")
def show_event(
    event_id: str,
    request: Request,
    agent: CurrentAgent,
    acting: AgentActing,
    db: Db,
    done: str = "",
) -> Response:
    with db.read() as session:
        delivery = log.get(session, account_id=agent.account_id, event_id=event_id)
        sent = wire.sent_request(
            session, acting.box, account_id=agent.account_id, delivery=delivery
        )
        context = {
            "title": f"Event {delivery.id}",
            "agent": agent,
            "section": "webhooks",
            "event": delivery,
            "sent": sent,
            "body": sent.body.decode(),
            "pretty": json.dumps(json.loads(sent.body), indent=2, ensure_ascii=False),
            "attempts": [
                (a, in_words(a.status_code, a.error)) for a in log.attempts(session, delivery)
            ],
            "notices": [NOTICES[done]] if done in NOTICES else [],
            "alerts": alerts.alerts(session, account_id=agent.account_id, now=now()),
        }
        return render(request, "dashboard/event.html", context)


@router.post("/{event_id}/resend")
def resend_event(event_id: str, agent: CurrentAgent, _form: AgentForm, db: Db) -> Response:
    with db.write() as session:
        log.resend(session, account_id=agent.account_id, event_id=event_id)
    return redirect(f"/console/webhooks/events/{event_id}?done=resent")


def _filter_errors(chosen: dict[str, str]) -> Errors:
    errors: Errors = {}
    if chosen["event_type"] and chosen["event_type"] not in EVENT_TYPES:
        errors["event_type"] = "Choose an event type from the list."
    if chosen["status"] and chosen["status"] not in STATUSES:
        errors["status"] = "Choose a status from the list."
    return errors


def _pager(chosen: dict[str, str], page: int, total: int) -> dict[str, str | int | None]:
    """The links to the pages around this one, keeping the filters."""
    last = max(1, -(-total // PER_PAGE))
    kept = {k: v for k, v in chosen.items() if v}

    def link(number: int) -> str:
        return "/console/webhooks/events?" + urlencode({**kept, "page": number})

    return {
        "page": page,
        "last": last,
        "previous": link(page - 1) if page > 1 else None,
        "next": link(page + 1) if page < last else None,
    }

"""The event log: every event sent to an endpoint, filtered (endpoint, type, status, event id,
ticket id, a range of days) and paged; every failed delivery in the filter queued again at once."""

from collections.abc import Mapping
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from hookdesk.accounts.acting import Acting
from hookdesk.db.database import Database
from hookdesk.db.dependencies import Db
from hookdesk.shared.clock import now
from hookdesk.shared.paging import MAX_PAGE, Page
from hookdesk.web.auth import Agent, AgentActing, AgentForm, CurrentAgent
from hookdesk.web.dashboard.endpoint_view import EVENT_OPTIONS, EVENT_TYPES
from hookdesk.web.dashboard.forms import day_end, day_start
from hookdesk.web.pages import Errors, redirect, render, text
from hookdesk.webhooks.endpoints import service
from hookdesk.webhooks.log import alerts
from hookdesk.webhooks.log import service as log
from hookdesk.webhooks.statuses import WebhookEventStatus

router = APIRouter(prefix="/events")
PER_PAGE = 25
STATUSES = list(WebhookEventStatus)
# The filters, named as the API's list takes them.
FILTERS = ("endpoint_id", "event_type", "status", "event_id", "ticket_id", "from", "to")
Chosen = dict[str, str]


@router.get("")
def event_log(
    request: Request,
    agent: CurrentAgent,
    acting: AgentActing,
    db: Db,
    endpoint_id: str = "",
    event_type: str = "",
    status: str = "",
    event_id: str = "",
    ticket_id: str = "",
    from_: Annotated[str, Query(alias="from")] = "",
    to: str = "",
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    retried: int | None = None,
) -> Response:
    typed = [endpoint_id, event_type, status, event_id, ticket_id, from_, to]
    chosen = {name: value.strip() for name, value in zip(FILTERS, typed, strict=True)}
    notices = [] if retried is None else [f"Failed deliveries queued again: {retried}."]
    return _log_page(request, agent, acting, db, chosen, page=page, notices=notices)


@router.post("/retry-failed")
def retry_failed(
    request: Request, agent: CurrentAgent, form: AgentForm, acting: AgentActing, db: Db
) -> Response:
    """Every failed delivery the filter finds, queued again with a fresh retry schedule."""
    chosen = {name: text(form, name) for name in FILTERS}
    filters, errors = _filters(chosen)
    if errors:
        return _log_page(request, agent, acting, db, chosen, page=1)
    with db.write() as session:
        queued = log.retry_failed(session, acting, filters)
    return redirect(_log_url(chosen, retried=queued))


def _log_page(
    request: Request,
    agent: Agent,
    acting: Acting,
    db: Database,
    chosen: Chosen,
    *,
    page: int,
    notices: list[str] | None = None,
) -> Response:
    filters, errors = _filters(chosen)
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
            "notices": notices or [],
            "alerts": alerts.alerts(session, account_id=agent.account_id, now=now()),
        }
        return render(request, "dashboard/events.html", context, status=400 if errors else 200)


def _filters(chosen: Chosen) -> tuple[log.LogFilters, Errors]:
    """The filters as the log's query takes them; one that is not valid is left out, and its
    error shown beside it."""
    errors = _choice_errors(chosen)
    days: dict[str, int] = {}
    for name, read in (("from", day_start), ("to", day_end)):
        if chosen[name]:
            try:
                days[name] = read(chosen[name])
            except ValueError as error:
                errors[name] = str(error)
    if "from" in days and "to" in days and days["from"] > days["to"]:
        errors["to"] = "Choose a day on or after the first day."
        del days["to"]
    kept = {k: v or None for k, v in chosen.items() if k not in errors}
    filters = log.LogFilters(
        endpoint_id=kept.get("endpoint_id"),
        event_type=kept.get("event_type"),
        status=kept.get("status"),
        event_id=kept.get("event_id"),
        ticket_id=kept.get("ticket_id"),
        created_from=days.get("from"),
        created_to=days.get("to"),
    )
    return filters, errors


def _choice_errors(chosen: Chosen) -> Errors:
    errors: Errors = {}
    if chosen["event_type"] and chosen["event_type"] not in EVENT_TYPES:
        errors["event_type"] = "Choose an event type from the list."
    if chosen["status"] and chosen["status"] not in STATUSES:
        errors["status"] = "Choose a status from the list."
    return errors


def _log_url(chosen: Mapping[str, str], **more: int) -> str:
    kept = {k: v for k, v in chosen.items() if v}
    return "/console/webhooks/events?" + urlencode({**kept, **more})


def _pager(chosen: Chosen, page: int, total: int) -> dict[str, str | int | None]:
    """The links to the pages around this one, keeping the filters."""
    last = max(1, -(-total // PER_PAGE))
    return {
        "page": page,
        "last": last,
        "previous": _log_url(chosen, page=page - 1) if page > 1 else None,
        "next": _log_url(chosen, page=page + 1) if page < last else None,
    }

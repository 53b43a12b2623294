"""Rendering the endpoint pages: the list and one endpoint, each with its chart and next retry."""

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from hookdesk.accounts.acting import Acting
from hookdesk.db.database import Database
from hookdesk.shared.clock import now
from hookdesk.shared.paging import Page
from hookdesk.web.auth import Agent
from hookdesk.web.dashboard.chart import Chart, chart
from hookdesk.web.dashboard.forms import datetime_local
from hookdesk.web.pages import Errors, render
from hookdesk.webhooks.catalog import SUPPORTED_API_VERSIONS, EventType
from hookdesk.webhooks.endpoints import service
from hookdesk.webhooks.log import alerts, stats
from hookdesk.webhooks.objects import endpoint_object

EVENT_TYPES = [e.value for e in EventType]
API_VERSIONS = [(str(v), str(v)) for v in sorted(SUPPORTED_API_VERSIONS)]
EVENT_OPTIONS = [(e, e) for e in EVENT_TYPES]
DAY = 24 * 3600


def endpoints_page(
    request: Request,
    agent: Agent,
    acting: Acting,
    db: Database,
    notices: Sequence[str],
) -> Response:
    with db.read() as session:
        _, endpoints = service.list_page(session, acting, Page(1, service.MAX_ENDPOINTS))
        ids = [e.id for e in endpoints]
        health = stats.health(session, account_id=agent.account_id, endpoint_ids=ids, now=now())
        context = {
            "title": "Webhooks",
            "agent": agent,
            "section": "webhooks",
            "endpoints": endpoints,
            "notices": notices,
            "alerts": alerts.alerts(session, account_id=agent.account_id, now=now()),
            **_health(health),
        }
        return render(request, "dashboard/endpoints.html", context)


def endpoint_page(
    request: Request,
    agent: Agent,
    acting: Acting,
    db: Database,
    endpoint_id: str,
    *,
    errors: Errors | None = None,
    values: Mapping[str, Any] | None = None,
    secret: str | None = None,
    notices: Sequence[str] = (),
) -> Response:
    """One endpoint with its edit and action forms; a failed post shows its values and errors."""
    with db.read() as session:
        endpoint = service.get(session, acting, endpoint_id)
        ids = [endpoint.id]
        health = stats.health(session, account_id=agent.account_id, endpoint_ids=ids, now=now())
        context = {
            "title": f"Endpoint {endpoint.url}",
            "agent": agent,
            "section": "webhooks",
            "endpoint": endpoint,
            "event_types": EVENT_TYPES,
            "event_options": EVENT_OPTIONS,
            "values": {**_form_defaults(endpoint_object(endpoint, acting.box)), **(values or {})},
            "errors": errors or {},
            "secret": secret,
            "notices": notices,
            "alerts": alerts.alerts(session, account_id=agent.account_id, now=now()),
            **_health(health),
        }
        status = 400 if errors else 200
        return render(request, "dashboard/endpoint.html", context, status=status)


def _health(health: stats.Health) -> dict[str, Any]:
    charts: dict[str, Chart] = {e: chart(hours) for e, hours in health.hours.items()}
    return {"charts": charts, "next_retries": health.next_retries, "rates": health.rates}


def _form_defaults(endpoint: Mapping[str, Any]) -> dict[str, Any]:
    """The forms' values when nothing was posted: the endpoint as the API shows it."""
    return {
        "url": endpoint["url"],
        "events": endpoint["events"],
        "description": endpoint["description"] or "",
        "ordered": endpoint["ordered"],
        "headers": list(endpoint["headers"].items()),
        "rate_limit": "" if endpoint["rate_limit"] is None else str(endpoint["rate_limit"]),
        "event_type": EVENT_TYPES[0],
        "since": datetime_local(now() - DAY),
    }

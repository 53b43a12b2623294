"""Webhook endpoints and the event log through the API, as the delivery tests use them; and one
webhook event written through the services, for tests without the app."""

import uuid
from typing import Any

from sqlalchemy import select

from hookdesk.accounts import service as accounts
from hookdesk.categories import service as categories
from hookdesk.categories.schemas import CategoryCreate
from hookdesk.clients import service as clients
from hookdesk.clients.schemas import ClientCreate
from hookdesk.db import Database
from hookdesk.models.webhooks import WebhookEvent
from hookdesk.shared.secretbox import SecretBox
from hookdesk.tickets import service as tickets
from hookdesk.tickets.schemas import TicketCreate
from hookdesk.webhooks.endpoints import service as webhooks
from hookdesk.webhooks.endpoints.schemas import EndpointCreate
from tests.support.acting import api_key_acting
from tests.support.api import Api
from tests.support.waiting import wait_until

ALL_EVENTS = [
    "whitelabel.ticket.created",
    "whitelabel.ticket.updated",
    "whitelabel.ticket.assigned",
    "whitelabel.ticket.resolved",
]


def endpoint(api: Api, url: str, **fields: Any) -> dict:
    """A new endpoint for `url`, subscribed to every ticket event unless `fields` say otherwise."""
    body = {"url": url, "events": ALL_EVENTS, **fields}
    return api.ok(api.post("/v2/webhook-endpoints/create", body), "webhook_endpoint")


def log_entry(api: Api, event_id: str) -> dict:
    return api.ok(api.get(f"/v2/webhook-events/retrieve/{event_id}"), "webhook_event")


def wait_for_status(api: Api, event_id: str, status: str, timeout: float = 15) -> dict:
    """The webhook event once its status is `status`."""
    return wait_until(
        lambda: log_entry(api, event_id),
        lambda entry: entry["status"] == status,
        what=f"{event_id} to be {status}",
        timeout=timeout,
    )


def only_event_id(api: Api) -> str:
    [entry] = api.ok(api.get("/v2/webhook-events/list"), "webhook_events")
    return str(entry["id"])


def one_delivery(database: Database, key: str, url: str) -> str:
    """A new account with one endpoint for `url` and one ticket: the id of its webhook event."""
    with database.write() as session:
        account_id = accounts.create(session, name="Shutdown").account_id
        acting = api_key_acting(account_id, SecretBox(key), public_url="http://localhost")
        webhooks.create(
            session, acting, EndpointCreate(url=url, events=["whitelabel.ticket.created"])
        )
        client = clients.create(
            session, account_id=account_id, data=ClientCreate(name="C", email="c@example.com")
        )
        category = categories.create(
            session, account_id=account_id, data=CategoryCreate(title="G", language="en")
        )
        tickets.create(
            session,
            acting,
            TicketCreate(
                client_id=uuid.UUID(client.id),
                title="t",
                description="d",
                category=uuid.UUID(category.id),
            ),
        )
    with database.read() as session:
        return str(session.scalar(select(WebhookEvent.id)))

"""The event log: every event sent to an endpoint, its exact payload and all its attempts."""

import json
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from hookdesk.accounts.acting import Acting
from hookdesk.db.wakeup import Wake, request_wakeup
from hookdesk.errors import BadRequest, NotFound
from hookdesk.models.webhooks import Attempt, OutboxEvent, WebhookEndpoint, WebhookEvent
from hookdesk.shared.paging import Page
from hookdesk.shared.queries import paginate
from hookdesk.webhooks.dispatch import resends
from hookdesk.webhooks.endpoints import service as endpoints
from hookdesk.webhooks.payloads import render_body
from hookdesk.webhooks.statuses import EndpointStatus, WebhookEventStatus

RECOVER_BATCH = 500  # ids per recover call: well under any database's limit on parameters


@dataclass(frozen=True)
class LogFilters:
    endpoint_id: str | None = None
    event_type: str | None = None
    status: str | None = None
    created_from: int | None = None
    created_to: int | None = None
    event_id: str | None = None
    ticket_id: str | None = None


def list_page(
    session: Session, *, account_id: str, filters: LogFilters, page: Page
) -> tuple[int, Sequence[WebhookEvent]]:
    statement = (
        select(WebhookEvent)
        .where(WebhookEvent.account_id == account_id, *_conditions(filters))
        .order_by(WebhookEvent.created_at.desc(), WebhookEvent.event_seq.desc(), WebhookEvent.id)
    )
    return paginate(session, statement, page)


def retry_failed(session: Session, acting: Acting, filters: LogFilters) -> int:
    """Queue again every failed delivery that matches the filters, through the endpoints'
    `recover` (one endpoint at a time); answers how many. A deleted endpoint's stay failed:
    there is nowhere to send them."""
    statement = select(WebhookEvent.endpoint_id, WebhookEvent.id).where(
        WebhookEvent.account_id == acting.account_id,
        WebhookEvent.status == WebhookEventStatus.FAILED,
        *_conditions(filters),
    )
    found: dict[str, list[str]] = defaultdict(list)
    for endpoint_id, event_id in session.execute(statement):
        found[endpoint_id].append(event_id)
    return sum(_recover(session, acting, e, ids) for e, ids in found.items())


def get(session: Session, *, account_id: str, event_id: str, lock: bool = False) -> WebhookEvent:
    statement = select(WebhookEvent).where(
        WebhookEvent.account_id == account_id, WebhookEvent.id == event_id
    )
    delivery = session.scalar(statement.with_for_update() if lock else statement)
    if delivery is None:
        raise NotFound.of("webhook event", event_id)
    return delivery


def payload(session: Session, delivery: WebhookEvent) -> dict[str, Any]:
    """The body as sent: rendered from the stored event data, byte for byte as on the wire."""
    data = session.scalar(
        select(OutboxEvent.data).where(
            OutboxEvent.id == delivery.event_seq, OutboxEvent.account_id == delivery.account_id
        )
    )
    api_version = session.scalar(
        select(WebhookEndpoint.api_version).where(WebhookEndpoint.id == delivery.endpoint_id)
    )
    body = render_body(
        event_id=delivery.id,
        event_type=delivery.event_type,
        api_version=api_version or 2,
        data_json=data or "{}",
        endpoint_id=delivery.endpoint_id,
    )
    loaded: dict[str, Any] = json.loads(body)
    return loaded


def attempts(session: Session, delivery: WebhookEvent) -> list[Attempt]:
    statement = (
        select(Attempt)
        .where(Attempt.account_id == delivery.account_id, Attempt.delivery_id == delivery.id)
        .order_by(Attempt.id)
    )
    return list(session.scalars(statement))


def resend(session: Session, *, account_id: str, event_id: str) -> WebhookEvent:
    """Send the same body again now (freshly signed), whatever became of the earlier attempts,
    without moving its retry schedule (webhooks/dispatch/resends.py). Refused while its endpoint
    takes no deliveries (disabled or deleted): the resend would wait unseen."""
    delivery = get(session, account_id=account_id, event_id=event_id, lock=True)
    refusal = why_not_resendable(session, delivery)
    if refusal:
        raise BadRequest(refusal)
    resends.queue(delivery, now=time.time())
    request_wakeup(session, Wake.DELIVERIES)
    session.flush()
    return delivery


def why_not_resendable(session: Session, delivery: WebhookEvent) -> str | None:
    """Why the delivery cannot be resent now, in words; None when it can."""
    status, deleted_at = session.execute(
        select(WebhookEndpoint.status, WebhookEndpoint.deleted_at).where(
            WebhookEndpoint.id == delivery.endpoint_id,
            WebhookEndpoint.account_id == delivery.account_id,
        )
    ).one()
    if deleted_at is not None:
        return "The endpoint was deleted; its events cannot be sent again."
    if status != EndpointStatus.ENABLED:
        return "The endpoint is disabled; enable it to resend its events."
    return None


def _recover(session: Session, acting: Acting, endpoint_id: str, ids: list[str]) -> int:
    batches = [ids[i : i + RECOVER_BATCH] for i in range(0, len(ids), RECOVER_BATCH)]
    try:
        return sum(
            endpoints.recover(session, acting, endpoint_id, since=0, only=b) for b in batches
        )
    except NotFound:
        return 0


def _conditions(filters: LogFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.endpoint_id:
        conditions.append(WebhookEvent.endpoint_id == filters.endpoint_id)
    if filters.event_type:
        conditions.append(WebhookEvent.event_type == filters.event_type)
    if filters.status:
        conditions.append(WebhookEvent.status == filters.status)
    if filters.created_from is not None:
        conditions.append(WebhookEvent.created_at >= filters.created_from)
    if filters.created_to is not None:
        conditions.append(WebhookEvent.created_at <= filters.created_to)
    if filters.event_id:
        conditions.append(WebhookEvent.id == filters.event_id)
    if filters.ticket_id:
        conditions.append(WebhookEvent.ticket_id == filters.ticket_id)
    return conditions

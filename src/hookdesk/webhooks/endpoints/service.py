"""Webhook endpoints: create, change, rotate, delete, test, recover."""

import time
from collections.abc import Collection, Sequence

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from hookdesk.accounts.acting import Acting
from hookdesk.db.wakeup import Wake, request_wakeup
from hookdesk.errors import BadRequest, ErrorCode, NotFound
from hookdesk.models.webhooks import WebhookEndpoint, WebhookEvent
from hookdesk.receiver.signing import new_secret
from hookdesk.shared.clock import now
from hookdesk.shared.ids import new_id
from hookdesk.shared.paging import Page
from hookdesk.shared.queries import find_owned, paginate
from hookdesk.shared.secretbox import SecretBox
from hookdesk.webhooks import headers as custom_headers
from hookdesk.webhooks.catalog import EventType
from hookdesk.webhooks.endpoints import urls
from hookdesk.webhooks.endpoints.schemas import EndpointCreate, EndpointUpdate
from hookdesk.webhooks.outbox.emit import emit
from hookdesk.webhooks.outbox.samples import sample_data
from hookdesk.webhooks.statuses import EndpointStatus, WebhookEventStatus

MAX_ENDPOINTS = 100
ROTATION_OVERLAP = 24 * 3600  # the old secret keeps signing beside the new one this long


def create(session: Session, acting: Acting, data: EndpointCreate) -> tuple[WebhookEndpoint, str]:
    """The new endpoint and its secret, which is never shown again."""
    count = session.scalar(
        select(func.count()).where(
            WebhookEndpoint.account_id == acting.account_id, WebhookEndpoint.deleted_at.is_(None)
        )
    )
    if (count or 0) >= MAX_ENDPOINTS:
        raise BadRequest(
            f"An account has at most {MAX_ENDPOINTS} webhook endpoints; delete one first.",
            code=ErrorCode.ENDPOINT_LIMIT,
        )
    _check_url(data.url, acting)
    secret = new_secret()
    at = now()
    endpoint = WebhookEndpoint(
        id=new_id(),
        account_id=acting.account_id,
        url=data.url,
        events=[e.value for e in data.events],
        description=data.description,
        status=EndpointStatus.ENABLED,
        api_version=data.api_version,
        ordered=data.ordered,
        rate_limit=data.rate_limit,
        sealed_headers=custom_headers.seal(acting.box, data.headers),
        secret=acting.box.seal(secret),
        created_at=at,
        updated_at=at,
    )
    session.add(endpoint)
    session.flush()
    return endpoint, secret


def get(
    session: Session, acting: Acting, endpoint_id: str, *, lock: bool = False
) -> WebhookEndpoint:
    endpoint = find_owned(
        session,
        WebhookEndpoint,
        account_id=acting.account_id,
        object_id=endpoint_id,
        for_update=lock,
    )
    if endpoint is None or endpoint.deleted_at is not None:
        raise NotFound.of("webhook endpoint", endpoint_id)
    return endpoint


def list_page(
    session: Session, acting: Acting, page: Page
) -> tuple[int, Sequence[WebhookEndpoint]]:
    statement = (
        select(WebhookEndpoint)
        .where(
            WebhookEndpoint.account_id == acting.account_id, WebhookEndpoint.deleted_at.is_(None)
        )
        .order_by(WebhookEndpoint.created_at.desc(), WebhookEndpoint.id)
    )
    return paginate(session, statement, page)


def update_endpoint(
    session: Session, acting: Acting, endpoint_id: str, data: EndpointUpdate
) -> WebhookEndpoint:
    endpoint = get(session, acting, endpoint_id, lock=True)
    changes = data.model_fields_set
    if "url" in changes and data.url is not None:
        _check_url(data.url, acting)
        endpoint.url = data.url
    if "events" in changes and data.events is not None:
        endpoint.events = [e.value for e in data.events]
    if "description" in changes:
        endpoint.description = data.description
    if "headers" in changes and data.headers is not None:
        endpoint.sealed_headers = custom_headers.seal(acting.box, data.headers)
    if "ordered" in changes and data.ordered is not None:
        endpoint.ordered = data.ordered
    if "rate_limit" in changes:
        endpoint.rate_limit = data.rate_limit
    wanted = EndpointStatus(data.status) if data.status else None
    if wanted is EndpointStatus.DISABLED and endpoint.status == EndpointStatus.ENABLED:
        disable(session, endpoint, reason="disabled through the API")
    elif wanted is EndpointStatus.ENABLED:
        endpoint.status, endpoint.disabled_reason, endpoint.failing_since = (
            EndpointStatus.ENABLED,
            None,
            None,
        )
        endpoint.auto_disabled_at = None
    endpoint.updated_at = now()
    session.flush()
    return endpoint


def disable(
    session: Session, endpoint: WebhookEndpoint, *, reason: str, automatic_at: int | None = None
) -> None:
    """Stop sending to the endpoint; its pending deliveries fail (`recover` queues them again).
    `automatic_at`: when hookdesk disabled it by itself (webhooks/dispatch/health.py); None for a
    person."""
    endpoint.status = EndpointStatus.DISABLED
    endpoint.disabled_reason = reason
    endpoint.auto_disabled_at = automatic_at
    _end_pending(session, endpoint, WebhookEventStatus.FAILED)


def delete(session: Session, acting: Acting, endpoint_id: str) -> WebhookEndpoint:
    endpoint = get(session, acting, endpoint_id, lock=True)
    endpoint.deleted_at = endpoint.updated_at = now()
    _end_pending(session, endpoint, WebhookEventStatus.CANCELLED)
    session.flush()
    return endpoint


def rotate_secret(
    session: Session, acting: Acting, endpoint_id: str
) -> tuple[WebhookEndpoint, str]:
    endpoint = get(session, acting, endpoint_id, lock=True)
    secret = new_secret()
    at = now()
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = at + ROTATION_OVERLAP
    endpoint.secret = acting.box.seal(secret)
    endpoint.updated_at = at
    session.flush()
    return endpoint, secret


def valid_secrets(endpoint: WebhookEndpoint, box: SecretBox, *, at: float) -> list[str]:
    """The secrets that sign for the endpoint now: the current one, and the last one for 24 h."""
    valid = [box.open(endpoint.secret)]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and at < expires:
        valid.append(box.open(endpoint.previous_secret))
    return valid


def send_test(session: Session, acting: Acting, endpoint_id: str, event_type: EventType) -> str:
    """Send a sample event through the normal pipeline; answers its `whev_` id."""
    endpoint = get(session, acting, endpoint_id)
    if endpoint.status != EndpointStatus.ENABLED:
        raise BadRequest("The endpoint is disabled; enable it to send a test event.")
    ticket_id, data = sample_data(event_type, at=now())
    event_seq = emit(
        session,
        account_id=acting.account_id,
        event_type=event_type.value,
        ticket_id=ticket_id,
        data=data,
        only_endpoint=endpoint.id,
    )
    delivery_id = session.scalar(select(WebhookEvent.id).where(WebhookEvent.event_seq == event_seq))
    assert delivery_id is not None
    return delivery_id


def recover(
    session: Session,
    acting: Acting,
    endpoint_id: str,
    *,
    since: int,
    only: Collection[str] | None = None,
) -> int:
    """Queue again, with a fresh retry schedule, every failed delivery to it since `since`;
    `only`: of these deliveries (those an event log filter found)."""
    endpoint = get(session, acting, endpoint_id)
    chosen = [WebhookEvent.id.in_(only)] if only is not None else []
    result = session.execute(
        update(WebhookEvent)
        .where(
            WebhookEvent.account_id == acting.account_id,
            WebhookEvent.endpoint_id == endpoint.id,
            WebhookEvent.status == WebhookEventStatus.FAILED,
            WebhookEvent.created_at >= since,
            *chosen,
        )
        .values(
            status=WebhookEventStatus.PENDING,
            attempt_count=0,
            resend_count=0,
            next_attempt_at=time.time(),
            lease_token=None,
        )
    )
    queued = int(result.rowcount)  # type: ignore[attr-defined]
    if queued:
        request_wakeup(session, Wake.DELIVERIES)
    return queued


def _end_pending(session: Session, endpoint: WebhookEndpoint, status: str) -> None:
    session.execute(
        update(WebhookEvent)
        .where(
            WebhookEvent.account_id == endpoint.account_id,
            WebhookEvent.endpoint_id == endpoint.id,
            WebhookEvent.status == WebhookEventStatus.PENDING,
        )
        .values(
            status=status,
            next_attempt_at=None,
            lease_token=None,
            resume_status=None,
            resume_at=None,
        )
    )


def _check_url(url: str, acting: Acting) -> None:
    try:
        urls.check(url, dev=acting.dev)
    except urls.UnsafeUrl as error:
        raise BadRequest(f"{error}.", field="url", code=ErrorCode.UNSAFE_URL) from None

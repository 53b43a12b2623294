"""An event's request as the event log shows it: the exact body and the headers it carries.

Timestamps and signatures are computed afresh at each attempt and not stored, so they are shown
as such; the rest is what every attempt sends.
"""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hookdesk.models.webhooks import OutboxEvent, WebhookEndpoint, WebhookEvent
from hookdesk.shared.secretbox import SecretBox, UnreadableSecret
from hookdesk.webhooks import headers
from hookdesk.webhooks.dispatch.prepare import USER_AGENT
from hookdesk.webhooks.payloads import render_body

FRESH = "new at each attempt"


@dataclass(frozen=True)
class SentRequest:
    url: str
    body: bytes
    headers: list[tuple[str, str]]


def sent_request(
    session: Session, box: SecretBox, *, account_id: str, delivery: WebhookEvent
) -> SentRequest:
    """The request to the endpoint as it is configured now (its URL and custom headers)."""
    data = session.scalar(
        select(OutboxEvent.data).where(
            OutboxEvent.id == delivery.event_seq, OutboxEvent.account_id == account_id
        )
    )
    endpoint = session.scalar(
        select(WebhookEndpoint).where(
            WebhookEndpoint.id == delivery.endpoint_id, WebhookEndpoint.account_id == account_id
        )
    )
    assert endpoint is not None, "deliveries are deleted with their endpoint"
    body = render_body(
        event_id=delivery.id,
        event_type=delivery.event_type,
        api_version=endpoint.api_version,
        data_json=data or "{}",
        endpoint_id=delivery.endpoint_id,
    )
    custom = _custom_headers(box, endpoint)
    return SentRequest(endpoint.url, body, _headers(custom, delivery))


def _custom_headers(box: SecretBox, endpoint: WebhookEndpoint) -> list[tuple[str, str]]:
    try:
        return list(headers.unseal(box, endpoint.sealed_headers).items())
    except UnreadableSecret:
        return [("(custom headers)", "(no key of the server opens them)")]


def _headers(custom: list[tuple[str, str]], delivery: WebhookEvent) -> list[tuple[str, str]]:
    return [
        *custom,
        ("Content-Type", "application/json"),
        ("User-Agent", USER_AGENT),
        ("webhook-id", delivery.id),
        ("webhook-timestamp", f"({FRESH})"),
        ("webhook-signature", f"v1,… ({FRESH}, one per valid secret)"),
        ("Hookdesk-Signature", f"t=…,s=… ({FRESH})"),
    ]

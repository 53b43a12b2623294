"""The webhook_endpoint, webhook_event and attempt objects, as the API answers them and
operational events carry them."""

from typing import Any

from hookdesk.models.webhooks import Attempt, WebhookEndpoint, WebhookEvent
from hookdesk.shared.secretbox import SecretBox
from hookdesk.webhooks import headers

ENDPOINT = "webhook_endpoint"


def endpoint_object(
    endpoint: WebhookEndpoint, box: SecretBox, secret: str | None = None
) -> dict[str, Any]:
    shown = _fields(endpoint, {"headers": headers.unseal(box, endpoint.sealed_headers)})
    if secret is not None:
        shown["secret"] = secret
    return shown


def endpoint_object_without_headers(endpoint: WebhookEndpoint) -> dict[str, Any]:
    """For operational events: custom headers can hold the receiver's credentials, and those
    events go to the account's other endpoints."""
    return _fields(endpoint, {})


def _fields(endpoint: WebhookEndpoint, custom: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": endpoint.id,
        "object": ENDPOINT,
        "url": endpoint.url,
        "events": list(endpoint.events),
        "description": endpoint.description,
        "status": str(endpoint.status),  # a plain string, also when just set to an enum member
        "api_version": endpoint.api_version,
        "created_at": endpoint.created_at,
        "ordered": endpoint.ordered,
        **custom,
        "disabled_reason": endpoint.disabled_reason,
        "rate_limit": endpoint.rate_limit,
    }


WEBHOOK_EVENT = "webhook_event"


def webhook_event_object(delivery: WebhookEvent) -> dict[str, Any]:
    """The webhook_event object of the API's event log (and of `webhook_event.failed`): its
    status and next attempt as its retry schedule has them, a resend in flight or not."""
    due = delivery.scheduled_attempt_at
    return {
        "id": delivery.id,
        "object": WEBHOOK_EVENT,
        "event_type": delivery.event_type,
        "endpoint_id": delivery.endpoint_id,
        "status": str(delivery.scheduled_status),
        "attempt_count": delivery.attempt_count,
        "next_attempt_at": None if due is None else int(due),
        "created_at": delivery.created_at,
    }


def attempt_object(attempt: Attempt) -> dict[str, Any]:
    return {
        "at": attempt.at,
        "status_code": attempt.status_code,
        "duration_ms": attempt.duration_ms,
        "response_body": attempt.response_body,
        "error": attempt.error,
    }

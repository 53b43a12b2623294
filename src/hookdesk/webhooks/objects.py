"""The webhook_endpoint object, as the API answers it and operational events carry it."""

from typing import Any

from hookdesk.webhooks import headers
from hookdesk.webhooks.models import WebhookEndpoint
from hookdesk.webhooks.secretbox import SecretBox

NAME = "webhook_endpoint"


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
        "object": NAME,
        "url": endpoint.url,
        "events": list(endpoint.events),
        "description": endpoint.description,
        "status": endpoint.status,
        "api_version": endpoint.api_version,
        "created_at": endpoint.created_at,
        "ordered": endpoint.ordered,
        **custom,
        "disabled_reason": endpoint.disabled_reason,
    }

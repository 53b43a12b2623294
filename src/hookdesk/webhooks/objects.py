"""The webhook_endpoint object, as the API answers it and operational events carry it."""

from typing import Any

from hookdesk.webhooks.models import WebhookEndpoint

NAME = "webhook_endpoint"


def endpoint_object(endpoint: WebhookEndpoint, secret: str | None = None) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "id": endpoint.id,
        "object": NAME,
        "url": endpoint.url,
        "events": list(endpoint.events),
        "description": endpoint.description,
        "status": endpoint.status,
        "api_version": endpoint.api_version,
        "created_at": endpoint.created_at,
        "ordered": endpoint.ordered,
        "headers": dict(endpoint.headers),
        "disabled_reason": endpoint.disabled_reason,
    }
    if secret is not None:
        shown["secret"] = secret
    return shown

"""What the API shows as a status: a webhook event's and a webhook endpoint's."""

from enum import StrEnum


class WebhookEventStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
    CANCELLED = "cancelled"


class EndpointStatus(StrEnum):
    ENABLED = "enabled"
    DISABLED = "disabled"

from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    model_validator,
)

from hookdesk.shared.schemas import RequestBody, Text
from hookdesk.webhooks import headers as custom_headers
from hookdesk.webhooks.catalog import EventType


def _distinct_events(events: list[EventType]) -> list[EventType]:
    if len(set(events)) != len(events):
        raise ValueError("event types must be distinct")
    return events


def _allowed_headers(headers: dict[str, str]) -> dict[str, str]:
    custom_headers.check(headers)
    return headers


EventTypes = Annotated[
    list[EventType], Field(min_length=1, max_length=50), AfterValidator(_distinct_events)
]
Headers = Annotated[
    dict[StrictStr, StrictStr],
    Field(
        max_length=custom_headers.MAX_HEADERS,
        # What the check below refuses, as far as JSON Schema can say it (not the reserved names).
        json_schema_extra={
            "propertyNames": {
                "pattern": custom_headers.TOKEN_PATTERN,
                "maxLength": custom_headers.MAX_NAME_LENGTH,
            },
            "additionalProperties": {
                "type": "string",
                "pattern": custom_headers.VALUE_PATTERN,
                "maxLength": custom_headers.MAX_VALUE_LENGTH,
            },
        },
    ),
    AfterValidator(_allowed_headers),
]
Url = Annotated[str, Field(strict=True, min_length=1, max_length=2048)]
MAX_RATE_LIMIT = 1000
RateLimit = Annotated[
    int,
    Field(
        strict=True,
        ge=1,
        le=MAX_RATE_LIMIT,
        description="Deliveries per second to this endpoint at most; null for no limit.",
    ),
]


class EndpointCreate(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "url": "https://hooks.example.com/hookdesk",
                    "events": ["whitelabel.ticket.created", "whitelabel.ticket.resolved"],
                    "description": "CRM sync",
                    "headers": {"X-Api-Key": "receiver-key"},
                }
            ]
        }
    )

    url: Url
    events: EventTypes
    description: Text | None = None
    api_version: Literal[2] = 2
    ordered: StrictBool = False
    headers: Headers = Field(default_factory=dict)
    rate_limit: RateLimit | None = None


class EndpointUpdate(RequestBody):
    """Only the fields present change; `description` may be null to clear it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"events": ["whitelabel.ticket.created"], "status": "enabled"}]
        }
    )

    url: Url | None = None
    events: EventTypes | None = None
    description: Text | None = None
    headers: Headers | None = None
    ordered: StrictBool | None = None
    rate_limit: RateLimit | None = None  # null removes the limit
    status: Literal["enabled", "disabled"] | None = None

    @model_validator(mode="after")
    def _required_fields_not_null(self) -> "EndpointUpdate":
        for name in ("url", "events", "headers", "ordered", "status"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class EndpointTest(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"event_type": "whitelabel.ticket.created"}]}
    )

    event_type: EventType


class EndpointRecover(RequestBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{"since": "2026-11-27T00:00:00Z"}]})

    since: int | StrictStr = Field(description="Unix seconds or ISO 8601.")


class EndpointRead(BaseModel):
    id: str
    object: Literal["webhook_endpoint"]
    url: str
    events: list[str]
    description: str | None
    status: Literal["enabled", "disabled"]
    api_version: int
    created_at: int
    ordered: bool
    headers: dict[str, str]
    disabled_reason: str | None
    rate_limit: int | None
    secret: str | None = Field(default=None, description="Only in the answer that makes it.")


class SignatureValid(BaseModel):
    status: Literal[200]
    valid: Literal[True]


class SignatureInvalid(BaseModel):
    status: Literal[400]
    valid: Literal[False]
    errors: list[str]

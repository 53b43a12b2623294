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

from hookdesk.events.catalog import EventType
from hookdesk.shared.schemas import RequestBody, Text

# Headers hookdesk sets itself: a custom header may not replace or shadow them.
RESERVED_HEADERS = frozenset(
    {
        "host",
        "content-type",
        "content-length",
        "content-encoding",
        "transfer-encoding",
        "connection",
        "user-agent",
        "webhook-id",
        "webhook-timestamp",
        "webhook-signature",
        "hookdesk-signature",
    }
)
MAX_HEADERS = 20


def _distinct_events(events: list[EventType]) -> list[EventType]:
    if len(set(events)) != len(events):
        raise ValueError("event types must be distinct")
    return events


def _allowed_headers(headers: dict[str, str]) -> dict[str, str]:
    if len(headers) > MAX_HEADERS:
        raise ValueError(f"at most {MAX_HEADERS} headers")
    for name, value in headers.items():
        if not name or not all(c.isalnum() or c in "-_" for c in name):
            raise ValueError(f"'{name}' is not a valid header name")
        if name.lower() in RESERVED_HEADERS:
            raise ValueError(f"'{name}' is set by hookdesk and cannot be overridden")
        if any(c in value for c in "\r\n\x00") or len(value) > 4096:
            raise ValueError(f"the value of '{name}' is not a valid header value")
    return headers


EventTypes = Annotated[
    list[EventType], Field(min_length=1, max_length=50), AfterValidator(_distinct_events)
]
Headers = Annotated[dict[StrictStr, StrictStr], AfterValidator(_allowed_headers)]
Url = Annotated[str, Field(strict=True, min_length=1, max_length=2048)]


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
    secret: str | None = Field(default=None, description="Only in the answer that makes it.")


class SignatureValid(BaseModel):
    status: Literal[200]
    valid: Literal[True]


class SignatureInvalid(BaseModel):
    status: Literal[400]
    valid: Literal[False]
    errors: list[str]

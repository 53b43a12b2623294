from typing import Literal

from pydantic import BaseModel, ConfigDict

from hookdesk.accounts.keys import PREFIX, PREFIX_LENGTH
from hookdesk.models.accounts import ApiKey
from hookdesk.shared.schemas import Name, RequestBody


class ApiKeyCreate(RequestBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "Billing system"}]})

    name: Name


class ApiKeyRead(BaseModel):
    id: str
    object: Literal["api_key"]
    name: str
    prefix: str
    created_at: int
    last_used_at: int | None
    revoked_at: int | None


class ApiKeyCreated(ApiKeyRead):
    key: str


def api_key_object(key: ApiKey) -> dict[str, object]:
    return {
        "id": key.public_id,
        "object": "api_key",
        "name": key.name,
        "prefix": f"{PREFIX}{key.id}"[:PREFIX_LENGTH],
        "created_at": key.created_at,
        "last_used_at": key.last_used_at,
        "revoked_at": key.revoked_at,
    }

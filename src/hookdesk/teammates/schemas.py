from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, StrictBool, model_validator

from hookdesk.models.teammates import Teammate
from hookdesk.shared.schemas import Email, Name, RequestBody


class Role(StrEnum):
    ADMIN = "admin"  # also manages settings, webhooks, keys and teammates
    AGENT = "agent"  # works tickets


class TeammateCreate(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"name": "Ada Agent", "email": "ada@example.com"}]}
    )

    name: Name
    email: Email
    role: Role = Role.AGENT


class TeammateUpdate(RequestBody):
    """Only the fields present change."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"role": "admin"}, {"disabled": True}]}
    )

    name: Name | None = None
    role: Role | None = None
    disabled: StrictBool | None = None

    @model_validator(mode="after")
    def _fields_not_null(self) -> "TeammateUpdate":
        for name in self.model_fields_set:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class TeammateRead(BaseModel):
    id: str
    object: Literal["teammate"]
    name: str
    email: str
    created_at: int
    role: Role
    disabled: bool


def teammate_object(teammate: Teammate) -> dict[str, object]:
    return {
        "id": teammate.id,
        "object": "teammate",
        "name": teammate.name,
        "email": teammate.email,
        "created_at": teammate.created_at,
        "role": teammate.role,
        "disabled": teammate.disabled_at is not None,
    }

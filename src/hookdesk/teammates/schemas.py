from typing import Literal

from pydantic import BaseModel, ConfigDict

from hookdesk.shared.schemas import Email, Name, RequestBody
from hookdesk.teammates.models import Teammate


class TeammateCreate(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"name": "Ada Agent", "email": "ada@example.com"}]}
    )

    name: Name
    email: Email


class TeammateRead(BaseModel):
    id: str
    object: Literal["teammate"]
    name: str
    email: str
    created_at: int


def teammate_object(teammate: Teammate) -> dict[str, object]:
    return {
        "id": teammate.id,
        "object": "teammate",
        "name": teammate.name,
        "email": teammate.email,
        "created_at": teammate.created_at,
    }

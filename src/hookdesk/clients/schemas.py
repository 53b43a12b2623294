from typing import Literal

from pydantic import BaseModel, ConfigDict

from hookdesk.models.clients import Client
from hookdesk.shared.schemas import Email, Name, RequestBody


class ClientCreate(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"name": "James Doe", "email": "james.doe@example.com"}]}
    )

    name: Name
    email: Email


class ClientRead(BaseModel):
    id: str
    object: Literal["client"]
    name: str
    email: str
    created_at: int


def client_object(client: Client) -> dict[str, object]:
    return {
        "id": client.id,
        "object": "client",
        "name": client.name,
        "email": client.email,
        "created_at": client.created_at,
    }

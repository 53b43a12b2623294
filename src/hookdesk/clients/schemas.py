from typing import Literal

from pydantic import BaseModel

from hookdesk.clients.models import Client
from hookdesk.shared.schemas import Email, Name, RequestBody


class ClientCreate(RequestBody):
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

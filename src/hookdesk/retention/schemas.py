from typing import Literal

from pydantic import BaseModel

from hookdesk.models.clients import ClientErasure


class ErasureRead(BaseModel):
    object: Literal["client_erasure"]
    client_id: str
    erased_at: int
    tickets: int
    replies: int
    assets: int
    events: int
    deliveries: int
    notes: int


def erasure_object(erasure: ClientErasure) -> dict[str, object]:
    return {
        "object": "client_erasure",
        "client_id": erasure.client_id,
        "erased_at": erasure.erased_at,
        "tickets": erasure.tickets,
        "replies": erasure.replies,
        "assets": erasure.assets,
        "events": erasure.events,
        "deliveries": erasure.deliveries,
        "notes": erasure.notes,
    }

from typing import Literal

from pydantic import BaseModel, ConfigDict, JsonValue

from hookdesk.models.saved_replies import SavedReply
from hookdesk.shared.schemas import Name, RequestBody, Text

EXAMPLE: dict[str, JsonValue] = {
    "title": "Refund on its way",
    "text": 'Hello {{client.name}},\n\nyour refund for "{{ticket.title}}" is on its way.\n\n'
    "{{teammate.name}}",
}


class SavedReplyCreate(RequestBody):
    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE]})

    title: Name
    text: Text


class SavedReplyUpdate(RequestBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{"title": "Refund sent"}]})

    title: Name | None = None
    text: Text | None = None


class SavedReplyRead(BaseModel):
    id: str
    object: Literal["saved_reply"]
    title: str
    text: str
    created_at: int


def saved_reply_object(saved: SavedReply) -> dict[str, object]:
    return {
        "id": saved.id,
        "object": "saved_reply",
        "title": saved.title,
        "text": saved.text,
        "created_at": saved.created_at,
    }

from enum import StrEnum
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from hookdesk.models.tickets import MAX_TAG_LENGTH, TicketNote
from hookdesk.receiver.events import Ticket
from hookdesk.shared.schemas import Name, RequestBody, Text

MAX_ASSETS_PER_REPLY = 5
AssetIds = Annotated[
    list[UUID],
    Field(max_length=MAX_ASSETS_PER_REPLY, description="Ids of uploaded, unattached assets."),
]


class TicketCreate(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "client_id": "3463a4ee-5eba-45cd-9ef9-3f3a0f64329e",
                    "title": "Help with account",
                    "description": "The client is having issues with the billing settings.",
                    "category": "fbaddbf8-e290-4fa4-a3ed-fbb4837dabe1",
                    "is_client_reply": True,
                }
            ]
        }
    )

    client_id: UUID
    title: Name
    description: Text
    category: UUID = Field(description="The ticket category's id.")
    subcategory: Name | None = None
    assets: AssetIds = Field(default_factory=list)
    is_client_reply: StrictBool = Field(
        default=False, description="Whether the client wrote the description."
    )


class ReplyCreate(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"reply": "Your request is under investigation.", "is_client_reply": False}
            ]
        }
    )

    reply: Text
    is_client_reply: StrictBool = False
    assets: AssetIds = Field(default_factory=list)


class TicketAssign(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"teammate_id": "5a09992e-1e49-4dac-a731-26af2aee10ae"}]}
    )

    teammate_id: UUID | None = Field(description="The teammate, or null to unassign.")


class TicketResolve(RequestBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{"by_client": False}]})

    by_client: StrictBool = False


MAX_TAGS = 20


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


def _no_comma(tag: str) -> str:
    # A comma separates tags where people type several at once (the command line's --tag a,b).
    if "," in tag:
        raise ValueError(f"a tag cannot hold a comma ('{tag}')")
    return tag


Tag = Annotated[
    str,
    StringConstraints(
        strict=True, strip_whitespace=True, to_lower=True, min_length=1, max_length=MAX_TAG_LENGTH
    ),
    AfterValidator(_no_comma),
]


class TicketUpdate(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"tags": ["billing", "vip"], "priority": "high"}]}
    )

    tags: list[Tag] | None = Field(
        default=None,
        max_length=MAX_TAGS,
        description="The ticket's tags, replacing those it had; trimmed and in lower case.",
    )
    priority: Priority | None = None


class NoteCreate(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "text": "Refund approved by finance; tell the client on Monday.",
                    "teammate_id": "5a09992e-1e49-4dac-a731-26af2aee10ae",
                }
            ]
        }
    )

    text: Text
    teammate_id: UUID | None = Field(default=None, description="The teammate who wrote it.")


class NoteRead(BaseModel):
    id: str
    object: Literal["ticket_note"]
    text: str
    teammate_id: str | None
    created_at: int


def note_object(note: TicketNote) -> dict[str, object]:
    return {
        "id": note.id,
        "object": "ticket_note",
        "text": note.text,
        "teammate_id": note.teammate_id,
        "created_at": note.created_at,
    }


class TicketRead(Ticket):
    """The ticket object of the agency API: the one the events carry, then `tags` and
    `priority`."""

    tags: list[str]
    priority: Priority

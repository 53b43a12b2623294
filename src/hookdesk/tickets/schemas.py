from typing import Annotated
from uuid import UUID

from pydantic import ConfigDict, Field, StrictBool

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


# The ticket object the API answers is the one the events carry: one model documents both.
TicketRead = Ticket

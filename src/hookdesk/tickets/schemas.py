from typing import Annotated
from uuid import UUID

from pydantic import Field, StrictBool

from hookdesk.receiver.events import Ticket
from hookdesk.shared.schemas import Name, RequestBody, Text

MAX_ASSETS_PER_REPLY = 5
AssetIds = Annotated[
    list[UUID],
    Field(max_length=MAX_ASSETS_PER_REPLY, description="Ids of uploaded, unattached assets."),
]


class TicketCreate(RequestBody):
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
    reply: Text
    is_client_reply: StrictBool = False
    assets: AssetIds = Field(default_factory=list)


class TicketAssign(RequestBody):
    teammate_id: UUID | None = Field(description="The teammate, or null to unassign.")


class TicketResolve(RequestBody):
    by_client: StrictBool = False


# The ticket object the API answers is the one the events carry: one model documents both.
TicketRead = Ticket

from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, Field, StrictBool

from hookdesk.assets.schemas import AssetRead
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


class ClientSummary(BaseModel):
    id: str
    name: str
    email: str


class ReplyRead(BaseModel):
    id: str
    text: str
    is_client_reply: bool
    created_at: int
    assets: list[AssetRead] | None


class TicketRead(BaseModel):
    id: str
    title: str
    is_open: bool
    object: Literal["ticket"]
    created_at: int
    updated_at: int
    client: ClientSummary
    teammate_id: str | None
    replies: list[ReplyRead]
    category: str
    subcategory: str | None
    language: str

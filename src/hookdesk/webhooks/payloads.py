"""The event payload, as a pure function of a ticket snapshot.

The shapes (names, order, types, nesting) are those of `spec/events/*.json`; the API answers
with the very same ticket object. A change is rendered once into `data` JSON text; the body
sent to an endpoint wraps that text with the event id and endpoint id, so every attempt and
resend of an event sends the same bytes.
"""

import json
from dataclasses import dataclass
from typing import Any

JsonObject = dict[str, Any]


@dataclass(frozen=True)
class AssetView:
    id: str
    filename: str
    extension: str
    filesize: int
    type: str
    public_url: str
    created_at: int


@dataclass(frozen=True)
class ReplyView:
    id: str
    text: str
    is_client_reply: bool
    created_at: int
    assets: tuple[AssetView, ...] = ()


@dataclass(frozen=True)
class ClientView:
    id: str
    name: str
    email: str


@dataclass(frozen=True)
class TicketView:
    id: str
    title: str
    is_open: bool
    created_at: int
    updated_at: int
    client: ClientView
    teammate_id: str | None
    replies: tuple[ReplyView, ...]
    category: str
    subcategory: str | None
    language: str
    # The agency API's own fields (`tickets/views.py` `agency_object`): events never carry them.
    tags: tuple[str, ...] = ()
    priority: str = "normal"


def asset_object(asset: AssetView) -> JsonObject:
    return {
        "id": asset.id,
        "object": "asset",
        "filename": asset.filename,
        "extension": asset.extension,
        "filesize": asset.filesize,
        "type": asset.type,
        "public_url": asset.public_url,
        "created_at": asset.created_at,
    }


def reply_object(reply: ReplyView) -> JsonObject:
    return {
        "id": reply.id,
        "text": reply.text,
        "is_client_reply": reply.is_client_reply,
        "created_at": reply.created_at,
        "assets": [asset_object(a) for a in reply.assets] if reply.assets else None,
    }


def ticket_object(ticket: TicketView) -> JsonObject:
    return {
        "id": ticket.id,
        "title": ticket.title,
        "is_open": ticket.is_open,
        "object": "ticket",
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "client": {
            "id": ticket.client.id,
            "name": ticket.client.name,
            "email": ticket.client.email,
        },
        "teammate_id": ticket.teammate_id,
        "replies": [reply_object(r) for r in ticket.replies],
        "category": ticket.category,
        "subcategory": ticket.subcategory,
        "language": ticket.language,
    }


def event_data(ticket: TicketView, reply: ReplyView | None = None) -> JsonObject:
    data: JsonObject = {"ticket": ticket_object(ticket)}
    if reply is not None:
        data["reply"] = reply_object(reply)
    return data


# One encoder for every value: json.dumps with options other than its defaults builds a new
# encoder on every call, which cost more than encoding an id (three per delivery sent).
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def serialize(value: Any) -> str:
    return _ENCODER.encode(value)


def render_body(
    *, event_id: str, event_type: str, api_version: int, data_json: str, endpoint_id: str
) -> bytes:
    """The exact bytes sent for one event to one endpoint."""
    head = (
        f'{{"event_id":{serialize(event_id)},"event_type":{serialize(event_type)},'
        f'"api_version":{api_version},"object":"event","data":'
    )
    return f'{head}{data_json},"endpoint_id":{serialize(endpoint_id)}}}'.encode()

"""The golden event payloads of the spec (`../shared/spec/events`, copied into docs/events), and
the examples of the operational events beside them."""

import json
from pathlib import Path
from typing import Any

from hookdesk.webhooks.payloads import AssetView, ClientView, ReplyView, TicketView

GOLDEN_DIR = Path(__file__).parents[2] / "docs" / "events"
EVENT_TYPES = [
    "whitelabel.ticket.created",
    "whitelabel.ticket.updated",
    "whitelabel.ticket.assigned",
    "whitelabel.ticket.resolved",
]
# Not in the spec: their payloads are hookdesk's own, documented in docs/webhooks.md.
OPERATIONAL_EVENT_TYPES = ["webhook_endpoint.disabled", "webhook_event.failed"]


def golden_text(event_type: str) -> str:
    return (GOLDEN_DIR / f"{event_type}.json").read_text()


def golden(event_type: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(golden_text(event_type))
    return loaded


def reply_view(reply: dict[str, Any]) -> ReplyView:
    assets = tuple(
        AssetView(**{k: v for k, v in a.items() if k != "object"}) for a in reply["assets"] or []
    )
    return ReplyView(
        id=reply["id"],
        text=reply["text"],
        is_client_reply=reply["is_client_reply"],
        created_at=reply["created_at"],
        assets=assets,
    )


def ticket_view(ticket: dict[str, Any]) -> TicketView:
    return TicketView(
        id=ticket["id"],
        title=ticket["title"],
        is_open=ticket["is_open"],
        created_at=ticket["created_at"],
        updated_at=ticket["updated_at"],
        client=ClientView(**ticket["client"]),
        teammate_id=ticket["teammate_id"],
        replies=tuple(reply_view(r) for r in ticket["replies"]),
        category=ticket["category"],
        subcategory=ticket["subcategory"],
        language=ticket["language"],
    )


def shape(value: Any) -> Any:
    """Keys in order and value types, with the values themselves left out."""
    if isinstance(value, dict):
        return [(key, shape(item)) for key, item in value.items()]
    if isinstance(value, list):
        return [shape(item) for item in value[:1]]
    return type(value).__name__

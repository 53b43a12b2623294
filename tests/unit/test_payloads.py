import json

import pytest

from hookdesk.webhooks import catalog
from hookdesk.webhooks.catalog import EventType
from hookdesk.webhooks.payloads import (
    AssetView,
    ReplyView,
    event_data,
    render_body,
    reply_object,
    serialize,
)
from tests.support.golden import (
    EVENT_TYPES,
    OPERATIONAL_EVENT_TYPES,
    golden,
    golden_text,
    reply_view,
    ticket_view,
)


def render_golden(event_type: str) -> bytes:
    example = golden(event_type)
    data = example["data"]
    reply = reply_view(data["reply"]) if "reply" in data else None
    return render_body(
        event_id=example["event_id"],
        event_type=example["event_type"],
        api_version=example["api_version"],
        data_json=serialize(event_data(ticket_view(data["ticket"]), reply)),
        endpoint_id=example["endpoint_id"],
    )


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_renderer_reproduces_each_golden_file(event_type: str) -> None:
    body = render_golden(event_type)
    # Same keys, order, types and values: pretty-printed, the body is the file to the character.
    assert json.dumps(json.loads(body), indent=2) == golden_text(event_type).rstrip("\n")


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_rendered_body_is_compact_utf8_json(event_type: str) -> None:
    body = render_golden(event_type)
    assert b"\n" not in body
    assert body.startswith(b'{"event_id":"whev_')
    assert json.loads(body) == golden(event_type)


def test_catalog_matches_the_golden_and_example_files() -> None:
    assert sorted(e.value for e in EventType) == sorted(EVENT_TYPES + OPERATIONAL_EVENT_TYPES)
    assert sorted(OPERATIONAL_EVENT_TYPES) == sorted(catalog.OPERATIONAL_EVENT_TYPES)


def test_reply_with_assets_lists_asset_objects() -> None:
    asset = AssetView("a1", "log.txt", "txt", 3, "text/plain", "http://x/a1/log.txt", 5)
    reply = reply_object(ReplyView("r1", "see attached", True, 5, (asset,)))
    assert reply["assets"] == [
        {
            "id": "a1",
            "object": "asset",
            "filename": "log.txt",
            "extension": "txt",
            "filesize": 3,
            "type": "text/plain",
            "public_url": "http://x/a1/log.txt",
            "created_at": 5,
        }
    ]
    assert list(reply) == ["id", "text", "is_client_reply", "created_at", "assets"]


def test_body_keeps_non_ascii_text_and_escapes_quotes() -> None:
    body = render_body(
        event_id="whev_0123456789abcdefg",
        event_type="whitelabel.ticket.created",
        api_version=2,
        data_json=serialize({"ticket": {"title": 'Ça "marche" pas'}}),
        endpoint_id='e"1',
    )
    parsed = json.loads(body)
    assert parsed["data"]["ticket"]["title"] == 'Ça "marche" pas'
    assert parsed["endpoint_id"] == 'e"1'
    assert "Ça".encode() in body

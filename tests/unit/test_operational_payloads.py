"""The operational events' data, rendered from models, against the examples in docs/events."""

import json

import pytest

from hookdesk.models.webhooks import WebhookEndpoint, WebhookEvent
from hookdesk.webhooks.catalog import EventType
from hookdesk.webhooks.outbox.operational import (
    DisableReason,
    LastAttempt,
    endpoint_disabled_data,
    event_failed_data,
)
from hookdesk.webhooks.outbox.samples import sample_data
from hookdesk.webhooks.payloads import render_body, serialize
from tests.support.golden import OPERATIONAL_EVENT_TYPES, golden, golden_text, shape

DISABLED = "webhook_endpoint.disabled"
FAILED = "webhook_event.failed"


def endpoint_of(shown: dict, **hidden: object) -> WebhookEndpoint:
    return WebhookEndpoint(**{k: v for k, v in shown.items() if k != "object"}, **hidden)


def rendered(example: dict, data: dict) -> bytes:
    return render_body(
        event_id=example["event_id"],
        event_type=example["event_type"],
        api_version=example["api_version"],
        data_json=serialize(data),
        endpoint_id=example["endpoint_id"],
    )


def test_the_disabled_example_is_what_hookdesk_renders() -> None:
    example = golden(DISABLED)
    data = example["data"]
    endpoint = endpoint_of(
        data["webhook_endpoint"],
        sealed_headers="sealed-receiver-key",
        failing_since=data["failing_since"],
        auto_disabled_at=data["disabled_at"],
    )
    body = rendered(example, endpoint_disabled_data(endpoint, reason=DisableReason(data["reason"])))
    # Keys in order, types and values: pretty-printed, the body is the file to the character.
    assert json.dumps(json.loads(body), indent=2) == golden_text(DISABLED).rstrip("\n")
    # custom headers never go to another endpoint
    assert b"receiver-key" not in body
    assert "headers" not in json.loads(body)["data"]["webhook_endpoint"]


def test_the_failed_example_is_what_hookdesk_renders() -> None:
    example = golden(FAILED)
    shown, last = example["data"]["webhook_event"], example["data"]["last_attempt"]
    delivery = WebhookEvent(**{k: v for k, v in shown.items() if k != "object"})
    body = rendered(example, event_failed_data(delivery, LastAttempt(**last)))
    assert json.dumps(json.loads(body), indent=2) == golden_text(FAILED).rstrip("\n")


@pytest.mark.parametrize("event_type", OPERATIONAL_EVENT_TYPES)
def test_samples_have_the_shape_of_the_examples(event_type: str) -> None:
    ticket_id, data = sample_data(EventType(event_type), at=1_764_253_380)
    assert ticket_id is None
    assert shape(data) == shape(golden(event_type)["data"])

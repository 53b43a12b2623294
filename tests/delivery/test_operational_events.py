"""Operational events (`webhook_endpoint.disabled`, `webhook_event.failed`) through the running
dispatcher, between real receivers on 127.0.0.1."""

import json
from collections.abc import Iterator

import pytest
import standardwebhooks
from fastapi.testclient import TestClient
from sqlalchemy import select

from hookdesk.app import create_app
from hookdesk.config import Settings
from hookdesk.db import Database
from hookdesk.models.webhooks import OutboxEvent
from hookdesk.receiver import WebhookEndpointDisabled, WebhookEventFailed, parse_event
from tests.support.api import Api, new_account
from tests.support.golden import golden, shape
from tests.support.receivers import Receiver, Reply
from tests.support.webhooks import endpoint, wait_for_status

CREATED = "whitelabel.ticket.created"
DISABLED = "webhook_endpoint.disabled"
FAILED = "webhook_event.failed"
PRIVATE = b"James Doe's card ends in 4242"  # what a receiver might echo back


@pytest.fixture
def watcher() -> Iterator[Receiver]:
    """The receiver of an endpoint that listens to the operational events."""
    started = Receiver()
    yield started
    started.close()


def events_to(api: Api, endpoint_id: str) -> list[dict]:
    return list(
        api.ok(api.get("/v2/webhook-events/list", endpoint_id=endpoint_id), "webhook_events")
    )


def first_event_to(api: Api, endpoint_id: str) -> str:
    [entry] = events_to(api, endpoint_id)
    return str(entry["id"])


def operational_events(api: Api) -> list[OutboxEvent]:
    return [e for e in api.events() if e.ticket_id is None]


def assert_signed_with_the_example_shape(request_body: bytes, headers: dict, hook: dict) -> dict:
    standardwebhooks.Webhook(hook["secret"]).verify(request_body, headers)
    body: dict = json.loads(request_body)
    assert body["endpoint_id"] == hook["id"]
    assert headers["webhook-id"] == body["event_id"]
    # Names, order, types and nesting of the documented example.
    assert shape(body) == shape(golden(body["event_type"]))
    return body


def test_an_endpoint_gone_is_told_to_the_other_subscribed_endpoints(
    live: Api, receiver: Receiver, watcher: Receiver
) -> None:
    receiver.default = Reply(410)
    gone = endpoint(
        live,
        receiver.url,
        events=[CREATED, DISABLED],  # subscribed, but never told about itself
        description="Orders service",
        headers={"X-Api-Key": "receiver-key"},
    )
    told = endpoint(live, watcher.url, events=[DISABLED])
    deaf = endpoint(live, watcher.url, events=[CREATED, FAILED])
    live.ticket()

    requests = {json.loads(r.body)["event_type"]: r for r in watcher.wait_for(2)}
    request = requests[DISABLED]
    body = assert_signed_with_the_example_shape(request.body, request.headers, told)
    shown = live.ok(live.get(f"/v2/webhook-endpoints/retrieve/{gone['id']}"), "webhook_endpoint")
    assert shown["status"] == "disabled"
    data = body["data"]
    # The endpoint as the API shows it, less its custom headers (they can hold credentials).
    assert data["webhook_endpoint"] == {k: v for k, v in shown.items() if k != "headers"}
    assert b"receiver-key" not in request.body
    assert data["reason"] == "gone"
    assert data["disabled_at"] >= data["failing_since"] >= gone["created_at"]
    event = parse_event(request.body)
    assert isinstance(event, WebhookEndpointDisabled)
    assert event.data.webhook_endpoint.id == gone["id"]

    # The endpoint that was disabled is not told; the one not subscribed got only its ticket.
    assert [e["event_type"] for e in events_to(live, gone["id"])] == [CREATED]
    assert [e["event_type"] for e in events_to(live, deaf["id"])] == [CREATED]
    # A 410 fails that delivery with the endpoint: the disabling says it all.
    assert [e.event_type for e in operational_events(live)] == [DISABLED]


def test_a_delivery_that_spends_its_schedule_is_told_to_the_others(
    live: Api, receiver: Receiver, watcher: Receiver, live_settings: Settings
) -> None:
    receiver.default = Reply(500, PRIVATE)
    failing = endpoint(live, receiver.url, events=[CREATED, FAILED])
    told = endpoint(live, watcher.url, events=[FAILED])
    deaf = endpoint(live, watcher.url, events=[DISABLED])
    live.ticket()

    failed_id = first_event_to(live, failing["id"])
    failed = wait_for_status(live, failed_id, "failed")
    [request] = watcher.wait_for(1)
    body = assert_signed_with_the_example_shape(request.body, request.headers, told)
    assert body["event_type"] == FAILED
    listed = {k: v for k, v in failed.items() if k not in ("payload", "attempts")}
    assert body["data"]["webhook_event"] == listed
    last = failed["attempts"][-1]
    assert body["data"]["last_attempt"] == {
        "at": last["at"],
        "status_code": 500,
        "error": "HTTP 500",
    }
    assert failed["attempt_count"] == len(live_settings.retry_schedule) + 1
    # Neither the failed event's payload nor the receiver's answer: they can hold personal data.
    assert PRIVATE not in request.body
    assert b"Help with account" not in request.body
    event = parse_event(request.body)
    assert isinstance(event, WebhookEventFailed)
    assert event.data.webhook_event.id == failed_id

    assert [e["event_type"] for e in events_to(live, failing["id"])] == [CREATED]
    assert events_to(live, deaf["id"]) == []


def test_the_failure_of_an_operational_event_is_not_told_again(
    live: Api, receiver: Receiver, watcher: Receiver
) -> None:
    receiver.default = Reply(500)
    failing = endpoint(live, receiver.url, events=[CREATED])
    also_failing = endpoint(live, receiver.url, events=[FAILED])
    told = endpoint(live, watcher.url, events=[FAILED])
    live.ticket()

    wait_for_status(live, first_event_to(live, failing["id"]), "failed")
    # The news of that failure fails at the second endpoint too...
    wait_for_status(live, first_event_to(live, also_failing["id"]), "failed")
    # ...and, since that was recorded in the transaction that would have told it, nothing new:
    assert [e.event_type for e in operational_events(live)] == [FAILED]
    [request] = watcher.wait_for(1)
    assert json.loads(request.body)["data"]["webhook_event"]["endpoint_id"] == failing["id"]
    assert len(events_to(live, told["id"])) == 1


def test_disabling_by_hand_tells_nobody(live: Api, receiver: Receiver, watcher: Receiver) -> None:
    hook = endpoint(live, receiver.url, events=[CREATED])
    told = endpoint(live, watcher.url, events=[DISABLED, FAILED])
    path = f"/v2/webhook-endpoints/update/{hook['id']}"
    shown = live.ok(live.post(path, {"status": "disabled"}), "webhook_endpoint")
    assert shown["status"] == "disabled"
    live.ticket()  # the change commits after the disabling: had it emitted, it would show by now
    assert operational_events(live) == []
    assert events_to(live, told["id"]) == []


@pytest.fixture
def quick_to_disable(live_settings: Settings, db: Database) -> Iterator[Api]:
    settings = live_settings.model_copy(update={"disable_after": 1.0, "retry_schedule": (0.3,) * 8})
    with TestClient(create_app(settings, db, run_dispatcher=True)) as client:
        yield new_account(client, db, "Failing Agency")


def test_an_endpoint_failing_too_long_is_told_with_its_reason(
    quick_to_disable: Api, receiver: Receiver, watcher: Receiver
) -> None:
    api = quick_to_disable
    receiver.default = Reply(500)
    failing = endpoint(api, receiver.url, events=[CREATED], description="Orders service")
    told = endpoint(api, watcher.url, events=[DISABLED, FAILED])
    api.ticket()

    [request] = watcher.wait_for(1)
    body = assert_signed_with_the_example_shape(request.body, request.headers, told)
    assert body["event_type"] == DISABLED
    data = body["data"]
    assert data["reason"] == "failing"
    assert data["webhook_endpoint"]["id"] == failing["id"]
    assert data["webhook_endpoint"]["disabled_reason"].startswith("no successful delivery")
    assert data["disabled_at"] - data["failing_since"] >= 1
    # Its pending delivery failed with it, untold: the disabling says it all.
    wait_for_status(api, first_event_to(api, failing["id"]), "failed")
    with api.db.transaction(write=False) as session:
        types = session.scalars(
            select(OutboxEvent.event_type).where(
                OutboxEvent.account_id == api.account_id, OutboxEvent.ticket_id.is_(None)
            )
        )
        assert list(types) == [DISABLED]


@pytest.mark.parametrize("event_type", [DISABLED, FAILED])
def test_a_test_event_of_an_operational_type_is_a_signed_sample(
    live: Api, watcher: Receiver, event_type: str
) -> None:
    hook = endpoint(live, watcher.url, events=[CREATED])  # a test event needs no subscription
    answer = live.post(f"/v2/webhook-endpoints/test/{hook['id']}", {"event_type": event_type})
    assert answer.status_code == 200, answer.text
    [request] = watcher.wait_for(1)
    body = assert_signed_with_the_example_shape(request.body, request.headers, hook)
    assert body["event_id"] == answer.json()["event_id"]
    expected = WebhookEndpointDisabled if event_type == DISABLED else WebhookEventFailed
    assert isinstance(parse_event(request.body), expected)

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from hookdesk.app import create_app
from hookdesk.config import Settings
from hookdesk.db import Database
from hookdesk.models.webhooks import WebhookEndpoint
from tests.support.api import Api, new_account
from tests.support.receivers import Receiver, Reply
from tests.support.webhooks import endpoint, wait_for_status


@pytest.fixture
def quick_to_disable(live_settings: Settings, db: Database) -> Iterator[Api]:
    settings = live_settings.model_copy(update={"disable_after": 1.0, "retry_schedule": (0.3,) * 8})
    with TestClient(create_app(settings, db, run_dispatcher=True)) as client:
        yield new_account(client, db, "Failing Agency")


def test_an_endpoint_failing_for_too_long_is_disabled(
    quick_to_disable: Api, receiver: Receiver
) -> None:
    api = quick_to_disable
    receiver.default = Reply(500)
    hook = endpoint(api, receiver.url, events=["whitelabel.ticket.created"])
    api.ticket()
    [entry] = api.ok(api.get("/v2/webhook-events/list"), "webhook_events")
    failed = wait_for_status(api, entry["id"], "failed")
    assert 2 <= failed["attempt_count"] < 9  # disabled before the schedule was spent
    shown = api.ok(api.get(f"/v2/webhook-endpoints/retrieve/{hook['id']}"), "webhook_endpoint")
    assert shown["status"] == "disabled"
    assert "no successful delivery" in shown["disabled_reason"]
    api.ticket()  # no new deliveries are queued for a disabled endpoint
    assert len(api.ok(api.get("/v2/webhook-events/list"), "webhook_events")) == 1


@pytest.fixture
def slow_to_disable(live_settings: Settings, db: Database) -> Iterator[Api]:
    """Quick retries, and an endpoint disabled only after an hour of failures: a loaded machine
    cannot stretch two retries that far."""
    settings = live_settings.model_copy(
        update={"disable_after": 3600.0, "retry_schedule": (0.3,) * 8}
    )
    with TestClient(create_app(settings, db, run_dispatcher=True)) as client:
        yield new_account(client, db, "Recovering Agency")


def test_a_success_resets_the_failing_clock(
    slow_to_disable: Api, receiver: Receiver, db: Database
) -> None:
    api = slow_to_disable
    receiver.reply_with(Reply(500), Reply(500))
    hook = endpoint(api, receiver.url, events=["whitelabel.ticket.created"])
    api.ticket()
    [entry] = api.ok(api.get("/v2/webhook-events/list"), "webhook_events")
    delivered = wait_for_status(api, entry["id"], "delivered")
    assert delivered["attempt_count"] == 3  # two failures started the clock
    with db.read() as session:
        failing_since = session.scalar(
            select(WebhookEndpoint.failing_since).where(WebhookEndpoint.id == hook["id"])
        )
    assert failing_since is None
    shown = api.ok(api.get(f"/v2/webhook-endpoints/retrieve/{hook['id']}"), "webhook_endpoint")
    assert shown["status"] == "enabled"

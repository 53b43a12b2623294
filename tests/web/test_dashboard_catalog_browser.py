"""The event catalog in a real browser: a test of a chosen type, sent from its page, reaches a
real receiver on 127.0.0.1 through the dispatcher, signed."""

import json
from collections.abc import Iterator

import pytest
import standardwebhooks
from playwright.sync_api import Page, expect

from tests.support.browser import Site, signed_in_agent
from tests.support.receivers import Receiver

RESOLVED = "whitelabel.ticket.resolved"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    started = Receiver()
    yield started
    started.close()


def test_send_a_test_from_the_catalog_reaches_the_receiver(
    page: Page, site: Site, receiver: Receiver
) -> None:
    api = site.api
    body = {"url": receiver.url, "events": ["whitelabel.ticket.created"]}
    created = api.ok(api.post("/v2/webhook-endpoints/create", body), "webhook_endpoint")
    signed_in_agent(page, site)
    page.goto(f"{site.url}/console/webhooks")
    page.get_by_role("link", name="Event catalog").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Event catalog")

    section = page.locator("section.event-type", has=page.locator(f"code:text-is('{RESOLVED}')"))
    section.get_by_text("Sample payload").click()
    expect(section.locator("pre")).to_contain_text(f'"event_type": "{RESOLVED}"')
    expect(section).to_contain_text(f"docs/events/{RESOLVED}.json")
    section.get_by_label("Send a test to").select_option(receiver.url)
    section.get_by_role("button", name=f"Send a test of {RESOLVED}").click()

    expect(page.get_by_role("status").first).to_contain_text("Test event queued")
    received = receiver.wait_for(1)[0]
    event = standardwebhooks.Webhook(created["secret"]).verify(received.body, received.headers)
    assert event["event_type"] == RESOLVED and event["endpoint_id"] == created["id"]
    assert json.loads(received.body)["data"]["ticket"]["is_open"] is False
    expect(page.locator("#delivery .tag")).to_have_text("delivered")  # the page refreshes
    page.goto(f"{site.url}/console/webhooks/catalog")  # the screenshot shows the catalog
    expect(page.locator("section.event-type")).to_have_count(6)

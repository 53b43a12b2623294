"""The endpoint form in a real browser: a refused header keeps what was typed, the saved headers
reach a real receiver, the secret is shown once after the redirect and its Copy button copies it."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import Site, signed_in_agent
from tests.support.receivers import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    started = Receiver()
    yield started
    started.close()


def test_a_new_endpoint_with_headers_shows_its_secret_once_with_a_copy_button(
    page: Page, site: Site, receiver: Receiver
) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    signed_in_agent(page, site)
    page.goto(f"{site.url}/console/webhooks/endpoints/new")
    page.get_by_label("URL").fill(receiver.url)
    page.get_by_label("whitelabel.ticket.created").check()
    page.get_by_label("Deliver each ticket's events in order").check()
    page.get_by_label("Header 1 name").fill("webhook-signature")
    page.get_by_label("Header 1 value").fill("receiver-key")
    page.get_by_role("button", name="Create endpoint").click()

    expect(page.locator("#e-headers")).to_have_text(
        "'webhook-signature' is set by hookdesk and cannot be overridden."
    )
    expect(page.get_by_label("URL")).to_have_value(receiver.url)
    expect(page.get_by_label("Header 1 value")).to_have_value("receiver-key")
    expect(page.get_by_label("Deliver each ticket's events in order")).to_be_checked()
    page.get_by_label("Header 1 name").fill("X-Api-Key")
    page.get_by_role("button", name="Create endpoint").click()

    expect(page.get_by_role("status").first).to_contain_text("Endpoint created")
    secret = page.locator("#secret").inner_text()
    page.get_by_role("button", name="Copy the signing secret").click()
    # Its name reads "Copied the signing secret" for a moment.
    expect(page.locator("button[data-copy=secret]")).to_contain_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == secret
    page.get_by_role("button", name="Copy the URL").click()
    assert page.evaluate("navigator.clipboard.readText()") == receiver.url

    page.reload()
    expect(page.locator("#secret")).to_have_count(0)
    expect(page.get_by_label("Header 1 name")).to_have_value("X-Api-Key")
    endpoints = site.api.ok(site.api.get("/v2/webhook-endpoints/list"), "webhook_endpoints")
    assert len(endpoints) == 1 and endpoints[0]["ordered"] is True

    site.api.ticket()
    received = receiver.wait_for(1)[0]
    assert {k.lower(): v for k, v in received.headers.items()}["x-api-key"] == "receiver-key"
    assert secret.startswith("whsec_")

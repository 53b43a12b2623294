"""The webhooks dashboard's banner in a real browser: endpoints hookdesk disabled by itself, and
deliveries that failed in the last 24 hours, against a real dispatcher and real receivers."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.support.api import Api
from tests.support.browser import Site, signed_in_agent
from tests.support.receivers import Receiver, Reply, closed_port_url
from tests.support.waiting import wait_until

CREATED = ["whitelabel.ticket.created"]


@pytest.fixture
def gone_receiver() -> Iterator[Receiver]:
    started = Receiver()
    started.default = Reply(410)
    yield started
    started.close()


def endpoint(api: Api, url: str) -> dict:
    body = {"url": url, "events": CREATED}
    return api.ok(api.post("/v2/webhook-endpoints/create", body), "webhook_endpoint")


def failed_count(api: Api) -> int:
    return int(api.ok(api.get("/v2/webhook-events/list", status="failed"), "total_results"))


def test_the_banner_names_what_hookdesk_disabled_and_counts_recent_failures(
    page: Page, site: Site, gone_receiver: Receiver
) -> None:
    api = site.api
    signed_in_agent(page, site)
    gone = endpoint(api, gone_receiver.url)
    refused = endpoint(api, closed_port_url())
    by_hand = endpoint(api, closed_port_url())
    api.ok(
        api.post(f"/v2/webhook-endpoints/update/{by_hand['id']}", {"status": "disabled"}),
        "webhook_endpoint",
    )
    page.goto(f"{site.url}/console/webhooks")
    expect(page.locator(".alerts")).to_have_count(0)  # nothing to report yet

    api.ticket()
    # The 410 disables one endpoint at once; the refused one spends its short schedule.
    wait_until(lambda: failed_count(api) == 2, what="two failed deliveries", timeout=15)

    page.goto(f"{site.url}/console/webhooks")
    banner = page.locator(".alerts")
    expect(banner.get_by_role("heading")).to_have_text("Needs attention")
    disabled = banner.locator(".disabled-endpoints li")
    expect(disabled).to_have_count(1)  # not the endpoint disabled by hand
    expect(disabled).to_contain_text(gone_receiver.url)
    expect(disabled).to_contain_text("the endpoint answered 410 Gone")
    expect(banner).not_to_contain_text(by_hand["url"])
    expect(banner.locator(".failed-recently")).to_contain_text(
        "2 deliveries failed in the last 24 hours"
    )

    banner.get_by_role("link", name="See the failed events").click()
    expect(page).to_have_url(f"{site.url}/console/webhooks/events?status=failed")
    expect(page.get_by_label("Status")).to_have_value("failed")
    expect(page.locator("tbody tr")).to_have_count(2)
    expect(page.locator(".alerts .disabled-endpoints li")).to_have_count(1)  # here too

    page.locator(".alerts").get_by_role("link", name=gone_receiver.url).click()
    expect(page).to_have_url(f"{site.url}/console/webhooks/endpoints/{gone['id']}")
    expect(page.locator(".page-head .tag")).to_have_text("disabled")
    page.locator(".alerts").get_by_role("button", name=f"Enable {gone_receiver.url}").click()
    expect(page.get_by_role("status")).to_contain_text("The endpoint is enabled")
    expect(page.locator(".page-head .tag")).to_have_text("enabled")
    expect(page.locator(".alerts .disabled-endpoints")).to_have_count(0)
    expect(page.locator(".alerts .failed-recently")).to_contain_text("2 deliveries failed")
    shown = api.ok(api.get(f"/v2/webhook-endpoints/retrieve/{refused['id']}"), "webhook_endpoint")
    assert shown["status"] == "enabled"  # failing, but not for long enough to be disabled

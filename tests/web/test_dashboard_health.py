"""An endpoint's health in a real browser, against a real dispatcher and a real receiver on
127.0.0.1: failing from its first failed attempt on, with its success rate and under "Needs
attention" at once; healthy again after a success."""

import re
from collections import Counter
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.support.api import Api
from tests.support.browser import SCREENSHOTS, Site, signed_in_agent
from tests.support.receivers import Receiver, Reply
from tests.support.waiting import wait_until

CREATED = ["whitelabel.ticket.created"]
OVERFLOWS = "() => document.documentElement.scrollWidth > window.innerWidth"
ISO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    started = Receiver()
    yield started
    started.close()


def events_in(api: Api, status: str) -> list[dict[str, object]]:
    return list(api.ok(api.get("/v2/webhook-events/list", status=status), "webhook_events"))


def test_a_failing_endpoint_is_shown_failing_at_once_and_healthy_after_a_success(
    page: Page, site: Site, receiver: Receiver
) -> None:
    api = site.api
    receiver.default = Reply(status=500, body=b"database is down")
    endpoint = api.ok(
        api.post("/v2/webhook-endpoints/create", {"url": receiver.url, "events": CREATED}),
        "webhook_endpoint",
    )
    signed_in_agent(page, site)
    api.ticket()
    # The test schedule is short: four attempts, then the delivery fails for good.
    wait_until(lambda: events_in(api, "failed"), bool, what="a failed delivery", timeout=15)

    page.goto(f"{site.url}/console/webhooks")
    card = page.locator("li.endpoint").filter(has_text=receiver.url)
    expect(card.locator(".health-state .tag")).to_have_text("failing")
    expect(card.locator(".health-state")).to_contain_text("enabled; failing since")
    expect(card.locator(".success-rate")).to_have_text(
        "0% of 4 attempts succeeded in the last 24 hours"
    )
    failing = page.locator(".alerts .failing-endpoints li")
    expect(failing).to_have_count(1)
    expect(failing).to_contain_text(receiver.url)
    expect(failing.locator("time")).to_have_attribute("datetime", ISO_TIME)
    page.screenshot(path=SCREENSHOTS / "dashboard_failing_endpoint.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    assert not page.evaluate(OVERFLOWS)
    page.screenshot(path=SCREENSHOTS / "dashboard_failing_endpoint_390.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})
    # The API's status keeps to the contract's two values.
    shown = api.ok(api.get(f"/v2/webhook-endpoints/retrieve/{endpoint['id']}"), "webhook_endpoint")
    assert shown["status"] == "enabled"

    receiver.default = Reply()
    api.ticket()
    wait_until(lambda: events_in(api, "delivered"), bool, what="a delivery", timeout=15)
    page.goto(f"{site.url}/console/webhooks/endpoints/{endpoint['id']}")
    expect(page.locator(".page-head .tag")).to_have_text("enabled")
    expect(page.locator(".success-rate")).to_have_text(
        "20% of 5 attempts succeeded in the last 24 hours"
    )
    expect(page.locator(".alerts .failing-endpoints")).to_have_count(0)


def test_a_rate_limit_set_in_the_form_holds_at_the_receiver(
    page: Page, site: Site, receiver: Receiver
) -> None:
    api = site.api
    endpoint = api.ok(
        api.post("/v2/webhook-endpoints/create", {"url": receiver.url, "events": CREATED}),
        "webhook_endpoint",
    )
    signed_in_agent(page, site)
    page.goto(f"{site.url}/console/webhooks/endpoints/{endpoint['id']}")
    rate = page.get_by_label("Rate limit (optional)")
    rate.fill("0")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#e-rate_limit")).to_contain_text("a whole number from 1 to 1000")
    rate.fill("5")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status").first).to_contain_text("Changes saved")
    expect(rate).to_have_value("5")
    shown = api.ok(api.get(f"/v2/webhook-endpoints/retrieve/{endpoint['id']}"), "webhook_endpoint")
    assert shown["rate_limit"] == 5

    on = {"client_id": api.client()["id"], "category": api.category()["id"]}
    for n in range(15):
        api.ticket(**on, title=f"Ticket {n}")
    arrived = receiver.wait_for(15, timeout=30)
    per_second = Counter(int(r.at) for r in arrived)
    assert max(per_second.values()) <= 5, sorted(per_second.items())
    page.reload()
    page.screenshot(path=SCREENSHOTS / "dashboard_rate_limited_endpoint.png", full_page=True)

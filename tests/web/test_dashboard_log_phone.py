"""The event log in a real browser at a phone's width (390 px): every event's status shows, and
the page does not scroll sideways."""

from playwright.sync_api import Page, expect

from tests.support.browser import Site, signed_in_agent
from tests.support.receivers import closed_port_url
from tests.support.waiting import wait_until

CREATED = "whitelabel.ticket.created"


def test_the_event_log_shows_its_status_column_at_390_px(page: Page, site: Site) -> None:
    api = site.api
    long_url = closed_port_url() + "/" + "a-long-path-segment" * 8
    body = {"url": long_url, "events": [CREATED]}
    api.ok(api.post("/v2/webhook-endpoints/create", body), "webhook_endpoint")
    api.ticket()
    api.ticket()
    wait_until(
        lambda: api.ok(api.get("/v2/webhook-events/list", status="failed"), "total_results"),
        lambda failed: failed == 2,
        what="two failed deliveries",
        timeout=15,
    )
    page.set_viewport_size({"width": 390, "height": 844})
    signed_in_agent(page, site)
    page.goto(f"{site.url}/console/webhooks/events")

    statuses = page.locator("table.event-log td.status")
    expect(statuses).to_have_count(2)
    for index in range(2):
        cell = statuses.nth(index)
        expect(cell).to_be_visible()
        label = cell.evaluate("c => getComputedStyle(c, '::before').content")
        assert label == '"Status"'  # its label, in the stacked row
        expect(cell.locator(".tag")).to_have_text("failed")
        box = cell.locator(".tag").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.get_by_role("button", name="Retry every failed delivery in this filter").click()
    expect(page.get_by_role("status").first).to_contain_text("Failed deliveries queued again: 2.")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

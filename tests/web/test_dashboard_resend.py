"""Resend in a real browser keeps the delivery's retry schedule: against a real dispatcher and a
receiver on 127.0.0.1 that keeps failing, the event page's next attempt is the same after a
failed resend, which is listed among the attempts."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from hookdesk.config import Settings
from tests.support.browser import SCREENSHOTS, Site, signed_in_agent
from tests.support.receivers import Receiver, Reply
from tests.support.waiting import wait_until

CREATED = ["whitelabel.ticket.created"]


@pytest.fixture
def live_settings(settings: Settings) -> Settings:
    """Development mode, and a retry an hour after the first failure."""
    return settings.model_copy(
        update={"dev": True, "retry_schedule": (3600.0,), "delivery_timeout": 2.0}
    )


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    started = Receiver()
    started.default = Reply(status=503, body=b"maintenance")
    yield started
    started.close()


def test_a_failed_resend_keeps_the_next_automatic_attempt(
    page: Page, site: Site, receiver: Receiver
) -> None:
    api = site.api
    api.post("/v2/webhook-endpoints/create", {"url": receiver.url, "events": CREATED})
    signed_in_agent(page, site)
    api.ticket()
    receiver.wait_for(1)
    [event] = wait_until(
        lambda: api.ok(api.get("/v2/webhook-events/list"), "webhook_events"),
        lambda events: events and events[0]["attempt_count"] == 1,
        what="the first attempt recorded",
        timeout=15,
    )
    page.goto(f"{site.url}/console/webhooks/events/{event['id']}")
    attempts = page.locator("table.attempts tbody tr")
    expect(attempts).to_have_count(1)
    next_attempt = page.locator(".next-attempt time")
    scheduled = next_attempt.get_attribute("datetime")
    assert scheduled
    expect(next_attempt).to_contain_text("in ")  # about an hour away

    page.get_by_role("button", name="Resend now").click()
    expect(page.get_by_role("status")).to_contain_text("its retry schedule stays as it is")
    receiver.wait_for(2)
    expect(attempts).to_have_count(2)  # the section refreshes while the resend is in flight
    expect(attempts.last).to_contain_text("server error (HTTP 503 Service Unavailable)")
    expect(attempts.last.locator(".resend-mark")).to_have_text("(resend)")
    expect(attempts.first.locator(".resend-mark")).to_have_count(0)
    page.reload()
    expect(page.locator("#delivery .tag")).to_have_text("pending")
    expect(next_attempt).to_have_attribute("datetime", scheduled)
    page.screenshot(path=SCREENSHOTS / "dashboard_resend_keeps_schedule.png", full_page=True)
    shown = api.ok(api.get(f"/v2/webhook-events/retrieve/{event['id']}"), "webhook_event")
    assert shown["next_attempt_at"] == event["next_attempt_at"]
    assert shown["attempt_count"] == 2 and len(shown["attempts"]) == 2
    assert len(receiver.received) == 2  # no automatic attempt came early

    # A disabled endpoint takes no resend: the page says so instead of offering the button.
    path = f"/v2/webhook-endpoints/update/{event['endpoint_id']}"
    api.ok(api.post(path, {"status": "disabled"}), "webhook_endpoint")
    page.reload()
    expect(page.locator(".not-resendable")).to_have_text(
        "The endpoint is disabled; enable it to resend its events."
    )
    expect(page.get_by_role("button", name="Resend now")).to_have_count(0)

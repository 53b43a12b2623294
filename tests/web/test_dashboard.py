"""The webhooks dashboard in a real browser: endpoints, their health, the event log and its
actions, each against a real dispatcher and real receivers on 127.0.0.1."""

import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import standardwebhooks
from playwright.sync_api import Page, expect

from tests.support.api import Api
from tests.support.browser import Site, invite_link, signed_in_agent
from tests.support.pages import PASSWORD
from tests.support.receivers import Receiver, Reply, closed_port_url
from tests.support.waiting import wait_until

CREATED = "whitelabel.ticket.created"
RESOLVED = "whitelabel.ticket.resolved"
UNLABELLED_CONTROLS = """() => [...document.querySelectorAll(
    'input:not([type=hidden]), select, textarea')].filter(c => c.labels.length === 0).length"""
OVERFLOWS = "() => document.documentElement.scrollWidth > window.innerWidth"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    started = Receiver()
    yield started
    started.close()


def create_endpoint(page: Page, site: Site, url: str, *events: str) -> tuple[str, str]:
    """Through the new-endpoint form: the endpoint's id and the secret shown once."""
    page.goto(f"{site.url}/console/webhooks/endpoints/new")
    page.get_by_label("URL").fill(url)
    for event in events or (CREATED,):
        page.get_by_label(event).check()
    page.get_by_label("Description (optional)").fill("Orders service")
    page.get_by_role("button", name="Create endpoint").click()
    expect(page.get_by_role("status").first).to_contain_text("Endpoint created")
    secret = page.locator("#secret").inner_text()
    events_link = page.get_by_role("link", name="This endpoint's events")
    endpoint_id = (events_link.get_attribute("href") or "").split("endpoint_id=")[1]
    return endpoint_id, secret


def wait_for_status(api: Api, status: str | None, count: int = 1) -> list[dict[str, object]]:
    """The account's events in that status (any status: None), once there are `count`."""
    filters = {"status": status} if status else {}
    return wait_until(
        lambda: list(api.ok(api.get("/v2/webhook-events/list", **filters), "webhook_events")),
        lambda events: len(events) >= count,
        what=f"{count} {status or 'any'} events",
        timeout=15,
    )


def attempts_of(api: Api, event_id: str) -> list[dict[str, object]]:
    event = api.ok(api.get(f"/v2/webhook-events/retrieve/{event_id}"), "webhook_event")
    return list(event["attempts"])


def agent_cookie(page: Page) -> dict[str, str]:
    cookie = next(c for c in page.context.cookies() if c["name"] == "agent_session")
    return {"Cookie": f"agent_session={cookie['value']}"}


def utc_local(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def test_a_failing_endpoint_is_fixed_in_the_page_and_its_event_resent(
    page: Page, site: Site, receiver: Receiver
) -> None:
    signed_in_agent(page, site)
    endpoint_id, secret = create_endpoint(page, site, closed_port_url())
    site.api.ticket()
    failed = wait_for_status(site.api, "failed")[0]
    event_id = str(failed["id"])

    page.goto(f"{site.url}/console/webhooks/events")
    row = page.get_by_role("row").filter(has_text=event_id)
    expect(row).to_contain_text("failed")
    row.get_by_role("link", name=event_id).click()
    attempts = page.locator("table.attempts tbody tr")
    expect(attempts).to_have_count(len(attempts_of(site.api, event_id)))
    expect(attempts.first.locator("p.error")).to_contain_text("Connection refused")
    raw = attempts.first.locator("details.raw")
    expect(raw.locator("pre.error-text")).not_to_be_visible()
    raw.locator("summary").click()
    expect(raw.locator("pre.error-text")).to_contain_text("connection failed")
    expect(page.locator("#payload")).to_contain_text(f'"event_id": "{event_id}"')
    header = page.locator("table.headers tr").filter(has_text="webhook-id")
    expect(header).to_contain_text(event_id)

    page.locator("#delivery").get_by_role("link", name="127.0.0.1").click()
    page.get_by_label("URL").fill(receiver.url)
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_contain_text("Changes saved")
    expect(page.get_by_label("URL")).to_have_value(receiver.url)

    page.goto(f"{site.url}/console/webhooks/events/{event_id}")
    page.get_by_role("button", name="Resend now").click()
    expect(page.locator("#delivery .tag")).to_have_text("delivered")  # the section refreshes
    expect(attempts.last).to_contain_text("200")
    expect(attempts.last).to_contain_text("ok")

    received = receiver.wait_for(1)[0]
    assert received.body.decode() == page.locator("#body").inner_text()
    verified = standardwebhooks.Webhook(secret).verify(received.body, received.headers)
    assert verified["event_id"] == event_id and verified["endpoint_id"] == endpoint_id

    page.goto(f"{site.url}/console/webhooks/events?status=delivered")
    expect(page.get_by_role("row").filter(has_text=event_id)).to_contain_text("delivered")
    page.goto(f"{site.url}/console/webhooks/events?status=failed")
    expect(page.get_by_text("No events match.")).to_be_visible()


def test_form_errors_are_shown_beside_their_fields(page: Page, site: Site) -> None:
    signed_in_agent(page, site)
    page.goto(f"{site.url}/console/webhooks/endpoints/new")
    page.get_by_label("URL").fill("ftp://example.com/hook")
    page.get_by_label("Description (optional)").fill("kept after the error")
    page.get_by_role("button", name="Create endpoint").click()
    expect(page.locator("#e-url")).to_contain_text("must be http(s)")
    expect(page.locator("#e-events")).to_contain_text("Choose at least one event type")
    expect(page.get_by_label("URL")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Description (optional)")).to_have_value("kept after the error")
    assert site.api.ok(site.api.get("/v2/webhook-endpoints/list"), "webhook_endpoints") == []

    endpoint_id, _ = create_endpoint(page, site, "http://127.0.0.1:9/hook")
    page.goto(f"{site.url}/console/webhooks/endpoints/{endpoint_id}")
    page.get_by_label("URL").fill("")
    page.get_by_label(CREATED).uncheck()
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#e-url")).to_contain_text("Enter the URL")
    expect(page.locator("#e-events")).to_contain_text("Choose at least one event type")

    page.get_by_label("Failed deliveries created since (UTC)").fill("")
    page.get_by_role("button", name="Recover").click()
    expect(page.locator("#e-since")).to_contain_text("Enter the time")
    page.get_by_role("button", name="Disable endpoint").click()
    page.get_by_role("button", name="Send test event").click()
    expect(page.locator("#e-event_type")).to_contain_text("enable it to send a test event")
    endpoint = site.api.ok(
        site.api.get(f"/v2/webhook-endpoints/retrieve/{endpoint_id}"), "webhook_endpoint"
    )
    assert endpoint["url"] == "http://127.0.0.1:9/hook" and endpoint["events"] == [CREATED]


def test_the_secret_is_revealed_on_request_and_rotated(
    page: Page, site: Site, receiver: Receiver
) -> None:
    signed_in_agent(page, site)
    endpoint_id, first = create_endpoint(page, site, receiver.url)
    page.goto(f"{site.url}/console/webhooks/endpoints/{endpoint_id}")
    assert first not in page.content()
    page.get_by_role("button", name="Reveal secret").click()
    expect(page.locator("#secret")).to_have_text(first)

    page.get_by_role("button", name="Rotate secret").click()
    expect(page.get_by_role("status")).to_contain_text("new signing secret")
    second = page.locator("#secret").inner_text()
    assert second.startswith("whsec_") and second != first
    page.get_by_role("button", name="Reveal secret").click()
    expect(page.locator("#secret")).to_have_text(second)

    page.get_by_label("Event type").select_option(RESOLVED)
    page.get_by_role("button", name="Send test event").click()
    expect(page.get_by_role("status")).to_contain_text("Test event queued")
    received = receiver.wait_for(1)[0]
    for secret in (second, first):  # both sign for 24 hours after a rotation
        event = standardwebhooks.Webhook(secret).verify(received.body, received.headers)
        assert event["event_type"] == RESOLVED
    expect(page.locator("#delivery .tag")).to_have_text("delivered")


def test_an_endpoint_is_disabled_enabled_and_deleted_after_confirmation(
    page: Page, site: Site, receiver: Receiver
) -> None:
    agent = signed_in_agent(page, site)
    endpoint_id, _ = create_endpoint(page, site, receiver.url)
    page.goto(f"{site.url}/console/webhooks/endpoints/{endpoint_id}")
    page.get_by_role("button", name="Disable endpoint").click()
    expect(page.locator(".page-head .tag")).to_have_text("disabled")
    expect(page.locator(".banner")).to_contain_text(f"disabled in the console by {agent['name']}")
    site.api.ticket()
    page.get_by_role("button", name="Enable endpoint").click()
    expect(page.locator(".page-head .tag")).to_have_text("enabled")
    site.api.ticket()
    assert json.loads(receiver.wait_for(1)[0].body)["event_type"] == CREATED
    time.sleep(0.5)
    assert len(receiver.received) == 1  # nothing was queued while it was disabled

    page.get_by_role("link", name="Delete endpoint…").click()
    expect(page.get_by_role("heading")).to_have_text("Delete this endpoint?")
    page.get_by_role("link", name="Keep it").click()
    expect(page.locator(".page-head .tag")).to_have_text("enabled")
    page.get_by_role("link", name="Delete endpoint…").click()
    page.get_by_role("button", name="Delete endpoint").click()
    expect(page.get_by_role("status")).to_contain_text("The endpoint was deleted")
    expect(page.get_by_role("link", name=receiver.url)).to_have_count(0)
    gone = page.goto(f"{site.url}/console/webhooks/endpoints/{endpoint_id}")
    assert gone is not None and gone.status == 404


def test_failed_deliveries_are_recovered_since_a_time(
    page: Page, site: Site, receiver: Receiver
) -> None:
    receiver.default = Reply(status=500, body=b"database is down")
    signed_in_agent(page, site)
    endpoint_id, _ = create_endpoint(page, site, receiver.url)
    site.api.ticket()
    event_id = str(wait_for_status(site.api, "failed")[0]["id"])
    page.goto(f"{site.url}/console/webhooks/events/{event_id}")
    expect(page.locator("table.attempts tbody tr").first).to_contain_text(
        "The receiver failed with a server error (HTTP 500 Internal Server Error)."
    )
    expect(page.locator("table.attempts tbody tr").first).to_contain_text("database is down")
    receiver.default = Reply()
    tried = len(receiver.received)

    page.goto(f"{site.url}/console/webhooks/endpoints/{endpoint_id}")
    since = page.get_by_label("Failed deliveries created since (UTC)")
    since.fill(utc_local(datetime.now(UTC) + timedelta(hours=1)))
    page.get_by_role("button", name="Recover").click()
    expect(page.get_by_role("status")).to_contain_text("Failed deliveries queued again: 0.")
    since.fill(utc_local(datetime.now(UTC) - timedelta(hours=1)))
    page.get_by_role("button", name="Recover").click()
    expect(page.get_by_role("status")).to_contain_text("Failed deliveries queued again: 1.")
    assert json.loads(receiver.wait_for(tried + 1)[-1].body)["event_id"] == event_id
    wait_for_status(site.api, "delivered")


def test_the_chart_counts_attempts_and_the_next_retry_is_shown(
    page: Page, site: Site, receiver: Receiver
) -> None:
    receiver.reply_with(Reply(delay=3))  # the first attempt times out after 2 s, then a retry
    signed_in_agent(page, site)
    endpoint_id, _ = create_endpoint(page, site, receiver.url)
    site.api.ticket()
    receiver.wait_for(1)
    page.goto(f"{site.url}/console/webhooks/endpoints/{endpoint_id}")
    expect(page.locator(".next-retry time")).to_be_visible()

    wait_for_status(site.api, "delivered")
    page.goto(f"{site.url}/console/webhooks")
    chart = page.get_by_role("img", name="Attempts in the last 24 hours")
    expect(chart).to_have_attribute(
        "aria-label", "Attempts in the last 24 hours: 1 delivered, 1 failed"
    )
    expect(chart.locator("rect.ok:not([height='0.0'])")).to_have_count(1)
    expect(chart.locator("rect.ko:not([height='0.0'])")).to_have_count(1)
    expect(page.locator(".next-retry")).to_have_text("Next retry: none pending")

    tooltips = chart.locator("g.hour > title")
    expect(tooltips).to_have_count(24)
    words = tooltips.evaluate_all("titles => titles.map(t => t.textContent)")
    counts = [re.fullmatch(r"\d\d:00 UTC: (\d+) delivered, (\d+) failed", w) for w in words]
    assert all(counts) and [sum(int(c[n]) for c in counts if c) for n in (1, 2)] == [1, 1]
    expect(page.locator(".chart-hours span")).to_have_count(4)
    expect(page.locator(".chart-axis span").first).to_have_text("0")
    card, figure = page.locator("li.endpoint").bounding_box(), chart.bounding_box()
    assert card is not None and figure is not None
    # The bars span the card, less its padding (1.25rem) and the axis' labels (2.25rem + gap).
    assert figure["x"] + figure["width"] == pytest.approx(card["x"] + card["width"] - 21, abs=2)
    assert figure["width"] >= card["width"] - 100


def test_the_pages_fit_a_phone_and_label_every_control(page: Page, site: Site) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    signed_in_agent(page, site)
    endpoint_id, _ = create_endpoint(page, site, "http://127.0.0.1:9/" + "long-path/" * 20)
    site.api.ticket()
    event_id = str(wait_for_status(site.api, None)[0]["id"])
    for path in (
        "",
        "/endpoints/new",
        f"/endpoints/{endpoint_id}",
        "/events",
        f"/events?status=failed&from=2026-01-01&ticket_id={'t' * 60}",
        f"/events/{event_id}",
        "/catalog",
    ):
        page.goto(f"{site.url}/console/webhooks{path}")
        assert page.evaluate(UNLABELLED_CONTROLS) == 0, path
        assert not page.evaluate(OVERFLOWS), path

    page.goto(f"{site.url}/console/webhooks")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()


def test_a_form_post_without_its_csrf_token_is_refused(page: Page, site: Site) -> None:
    signed_in_agent(page, site)
    page.goto(f"{site.url}/console/webhooks/endpoints/new")
    token = page.locator("input[name=csrf_token]").first.input_value()
    form = {"url": "http://127.0.0.1:9/hook", "events": CREATED}
    client = site.app_client

    refused = client.post("/console/webhooks/endpoints/new", data=form, headers=agent_cookie(page))
    assert refused.status_code == 403 and "This form has expired" in refused.text
    assert site.api.ok(site.api.get("/v2/webhook-endpoints/list"), "webhook_endpoints") == []

    form["csrf_token"] = token
    accepted = client.post(
        "/console/webhooks/endpoints/new",
        data=form,
        headers=agent_cookie(page),
        follow_redirects=False,
    )
    assert accepted.status_code == 303 and "whsec_" not in accepted.headers["location"]
    assert len(site.api.ok(site.api.get("/v2/webhook-endpoints/list"), "webhook_endpoints")) == 1


def test_an_agent_of_another_account_gets_not_found(
    page: Page, site: Site, receiver: Receiver
) -> None:
    hook = site.api.ok(
        site.api.post("/v2/webhook-endpoints/create", {"url": receiver.url, "events": [CREATED]}),
        "webhook_endpoint",
    )
    site.api.ticket()
    event_id = str(wait_for_status(site.api, "delivered")[0]["id"])

    other = site.new_account("Other Agency")
    page.goto(invite_link(other, other.teammate(role="admin")["id"]))
    page.get_by_label("New password").fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Set password and sign in").click()
    page.wait_for_url(f"{site.url}/console")

    for path in (
        f"/endpoints/{hook['id']}",
        f"/events/{event_id}",
        f"/endpoints/{hook['id']}/delete",
    ):
        answer = page.goto(f"{site.url}/console/webhooks{path}")
        assert answer is not None and answer.status == 404, path
        expect(page.get_by_role("heading")).to_have_text("Not found")
    page.goto(f"{site.url}/console/webhooks/events")
    expect(page.get_by_text("No events match.")).to_be_visible()

    token = page.locator("input[name=csrf_token]").first.input_value()
    stolen = site.app_client.post(
        f"/console/webhooks/endpoints/{hook['id']}/secret",
        data={"csrf_token": token},
        headers=agent_cookie(page),
    )
    assert stolen.status_code == 404 and "whsec_" not in stolen.text

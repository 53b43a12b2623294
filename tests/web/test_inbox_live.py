"""The live inbox: `GET /console/stream` tells of the account's ticket changes as they are
committed, and an open inbox in Chromium shows a new ticket without a reload; at 390 px wide the
inbox needs no sideways scroll."""

import json
import re
from collections.abc import Callable, Iterator

import httpx
from playwright.sync_api import Page, expect

from hookdesk.webhooks.catalog import EventType
from tests.support.api import Api
from tests.support.browser import Site, signed_in_agent
from tests.support.pages import agent_session


def sse_events(lines: Iterator[str]) -> Iterator[dict[str, str]]:
    """Server-sent events as {field: value}, comments (keep-alives) left out."""
    fields: dict[str, str] = {}
    for line in lines:
        if not line:
            if fields:
                yield fields
            fields = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")


def first_event(
    site: Site, headers: dict[str, str], make_change: Callable[[], object] | None = None
) -> dict[str, str]:
    """The stream's first event, once `make_change` (if any) was made after it began."""
    with (
        httpx.Client(base_url=site.url, timeout=10) as http,
        http.stream("GET", "/console/stream", headers=headers) as answer,
    ):
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/event-stream")
        if make_change is not None:
            make_change()
        return next(sse_events(answer.iter_lines()))


def test_the_console_stream_tells_of_a_new_ticket_by_its_id(site: Site) -> None:
    cookie, _ = agent_session(site.api)
    created: list[str] = []
    event = first_event(site, cookie, lambda: created.append(site.api.ticket()["id"]))
    assert event["event"] == EventType.TICKET_CREATED
    assert json.loads(event["data"]) == {"ticket_id": created[0]}
    assert event["id"] == str(site.api.events()[-1].id)


def test_a_reconnecting_page_gets_what_it_missed_and_nothing_of_another_account(
    site: Site,
) -> None:
    cookie, _ = agent_session(site.api)
    ticket = site.api.ticket()
    before = site.api.events()[-1].id
    site.new_account("Other Agency").ticket()
    site.api.post(f"/v2/agency/tickets/resolve/{ticket['id']}")
    event = first_event(site, {**cookie, "Last-Event-ID": str(before)})
    assert event["event"] == EventType.TICKET_RESOLVED
    assert json.loads(event["data"]) == {"ticket_id": ticket["id"]}


def test_the_console_stream_needs_a_signed_in_agent(api: Api) -> None:
    answer = api.http.get("/console/stream", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/console/sign-in")


def test_a_new_ticket_appears_in_an_open_inbox_without_a_reload(page: Page, site: Site) -> None:
    site.api.ticket(title="Yesterday's question")
    signed_in_agent(page, site)
    page.get_by_role("link", name="Yesterday's question").wait_for()
    page.evaluate("window.loadedOnce = true")  # gone if the page reloads
    page.get_by_role("checkbox", name="Choose Yesterday's question").check()

    client = site.api.client(name="Uma Urgent")
    site.api.ticket(title="URGENT: the shop is down", client_id=client["id"], is_client_reply=True)

    rows = page.locator("tbody tr")
    expect(rows.first).to_contain_text("URGENT: the shop is down", timeout=10_000)
    expect(rows.first).to_contain_text("waiting on us")
    expect(rows).to_have_count(2)
    expect(page.get_by_role("link", name=re.compile(r"^Open 2$"))).to_be_visible()
    expect(page.get_by_role("checkbox", name="Choose Yesterday's question")).to_be_checked()
    assert page.evaluate("window.loadedOnce") is True


def test_the_inbox_fits_a_narrow_phone(page: Page, site: Site) -> None:
    for n in range(3):
        ticket = site.api.ticket(title=f"A rather long ticket title number {n} " + "x" * 40)
        site.api.post(
            f"/v2/agency/tickets/update/{ticket['id']}",
            {"tags": ["billing", "enterprise-customer"], "priority": "urgent"},
        )
    page.set_viewport_size({"width": 390, "height": 844})
    signed_in_agent(page, site)
    expect(page.locator("tbody tr")).to_have_count(3)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    tag = page.locator("tbody tr .tag", has_text="enterprise-customer").first
    box = tag.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390


def test_an_agent_resolves_two_tickets_at_once_and_is_told_so(page: Page, site: Site) -> None:
    first = site.api.ticket(title="Refund for order 1")
    second = site.api.ticket(title="Refund for order 2")
    site.api.ticket(title="Still to do")
    signed_in_agent(page, site)
    page.get_by_role("checkbox", name="Choose Refund for order 1").check()
    page.get_by_role("checkbox", name="Choose Refund for order 2").check()
    page.get_by_role("button", name="Resolve").click()

    expect(page.get_by_role("status")).to_have_text("2 tickets resolved.")
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Still to do")
    expect(page.get_by_role("link", name=re.compile(r"^Resolved 2$"))).to_be_visible()
    resolved = [
        e.ticket_id or "" for e in site.api.events() if e.event_type == EventType.TICKET_RESOLVED
    ]
    assert sorted(resolved) == sorted([first["id"], second["id"]])

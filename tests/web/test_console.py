"""An agent works a ticket in the console; the agency's endpoint gets the matching events."""

import json
import re
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.support.browser import SCREENSHOTS, Site, signed_in_agent
from tests.support.receivers import Receiver

TICKET_EVENTS = [
    "whitelabel.ticket.created",
    "whitelabel.ticket.updated",
    "whitelabel.ticket.assigned",
    "whitelabel.ticket.resolved",
]


def test_an_agent_answers_assigns_and_resolves_a_ticket(
    page: Page, site: Site, receiver: Receiver, tmp_path: Path
) -> None:
    site.api.post("/v2/webhook-endpoints/create", {"url": receiver.url, "events": TICKET_EVENTS})
    colleague = site.api.teammate(name="Colin Colleague")
    client = site.api.client(name="Clara Client")
    ticket = site.api.ticket(client_id=client["id"], title="Printer on fire")
    signed_in_agent(page, site, name="Ada Agent")

    page.get_by_role("link", name="Printer on fire").click()
    expect(page.get_by_role("heading", name="Printer on fire")).to_be_visible()
    page.get_by_label("Your reply").fill("Please step away from the printer.")
    notes = tmp_path / "steps.txt"
    notes.write_text("1. Unplug it.\n")
    page.get_by_label("Attachments").set_input_files(notes)
    page.get_by_role("button", name="Send reply").click()
    agent_reply = page.locator(".message.agent").last
    expect(agent_reply).to_contain_text("Please step away from the printer.")
    expect(agent_reply).to_contain_text("Ada Agent")
    expect(agent_reply.get_by_role("link", name="steps.txt")).to_be_visible()

    page.get_by_label("Assigned agent").select_option(label="Colin Colleague")
    page.get_by_role("button", name="Assign").click()
    expect(page.locator("#assignee")).to_have_text("Colin Colleague")
    page.get_by_role("button", name="Resolve", exact=True).click()
    expect(page.locator("#ticket-status")).to_have_text("resolved")

    bodies = [json.loads(r.body) for r in receiver.wait_for(4)]
    assert [b["event_type"] for b in bodies] == TICKET_EVENTS
    assert {b["data"]["ticket"]["id"] for b in bodies} == {ticket["id"]}
    reply = bodies[1]["data"]["reply"]
    assert reply["text"] == "Please step away from the printer."
    assert reply["is_client_reply"] is False
    assert [a["filename"] for a in reply["assets"]] == ["steps.txt"]
    assert bodies[2]["data"]["ticket"]["teammate_id"] == colleague["id"]
    assert bodies[3]["data"]["ticket"]["is_open"] is False


def test_a_client_reply_appears_without_a_reload(page: Page, site: Site) -> None:
    ticket = site.api.ticket(title="Where is my order?")
    signed_in_agent(page, site)
    page.goto(f"{site.url}/console/tickets/{ticket['id']}")
    page.evaluate("window.loadedOnce = true")  # gone if the page reloads

    site.api.post(
        f"/v2/agency/tickets/reply/create/{ticket['id']}",
        {"reply": "Any news about it?", "is_client_reply": True},
    )
    expect(page.locator(".message.client").last).to_contain_text(
        "Any news about it?", timeout=10_000
    )
    assert page.evaluate("window.loadedOnce") is True


def test_the_inbox_filters_by_view_category_and_text(page: Page, site: Site) -> None:
    billing = site.api.category(title="Billing")
    site.api.ticket(title="Invoice missing", category=billing["id"])
    site.api.ticket(title="Login broken")
    closed = site.api.ticket(title="Old question")
    site.api.post(f"/v2/agency/tickets/resolve/{closed['id']}")
    agent = signed_in_agent(page, site)
    mine = site.api.ticket(title="Assigned to me")
    site.api.post(f"/v2/agency/tickets/assign/{mine['id']}", {"teammate_id": agent["id"]})
    page.goto(f"{site.url}/console")

    rows = page.locator("tbody tr")
    expect(rows).to_have_count(3)  # open tickets, last active first
    expect(rows.first).to_contain_text("Assigned to me")
    page.get_by_role("link", name=re.compile(r"^Resolved \d+$")).click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Old question")
    page.get_by_role("link", name=re.compile(r"^Mine \d+$")).click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Assigned to me")
    page.get_by_role("link", name=re.compile(r"^Unassigned \d+$")).click()
    expect(rows).to_have_count(2)
    page.get_by_role("link", name=re.compile(r"^Open \d+$")).click()
    page.get_by_label("Category").select_option(label="Billing")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Invoice missing")
    page.get_by_label("Category").select_option(label="All categories")
    page.get_by_label("Search").fill("login")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Login broken")


def test_an_empty_reply_is_refused_beside_its_field(page: Page, site: Site) -> None:
    ticket = site.api.ticket()
    signed_in_agent(page, site)
    page.goto(f"{site.url}/console/tickets/{ticket['id']}")
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator("#e-reply")).to_contain_text("required")
    expect(page.get_by_label("Your reply")).to_have_attribute("aria-invalid", "true")


UNLABELLED_CONTROLS = """
[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
  .filter(control => control.labels.length === 0 && !control.getAttribute('aria-label'))
  .map(control => control.name)
"""


def test_console_pages_fit_a_phone_and_label_every_control(browser: Browser, site: Site) -> None:
    ticket = site.api.ticket(title="A rather long ticket title that has to wrap on a small screen")
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone = context.new_page()
    try:
        signed_in_agent(phone, site)
        for path in ("/console", f"/console/tickets/{ticket['id']}", "/console/settings"):
            phone.goto(f"{site.url}{path}")
            assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
            assert phone.evaluate(UNLABELLED_CONTROLS) == [], path
        phone.keyboard.press("Tab")
        assert phone.evaluate("document.activeElement.textContent") == "Skip to content"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        phone.screenshot(path=SCREENSHOTS / "console_on_a_phone.png", full_page=True)
    finally:
        context.close()

"""In a real browser: an agent's reply reopening a resolved ticket changes the client's open page
(status, Resolve, no more rating form) without a reload; a client's rating reaches the console."""

import re

from playwright.sync_api import Browser, Page, expect

from tests.support.browser import SCREENSHOTS, Site, signed_in_agent

WIDTHS = "[document.documentElement.scrollWidth, window.innerWidth]"


def enter_portal(page: Page, site: Site, client_id: str) -> None:
    page.goto(site.api.ok(site.api.post(f"/v2/agency/clients/portal-session/{client_id}"), "url"))
    page.get_by_role("button", name="Continue to your support portal").click()
    page.wait_for_url(f"{site.url}/portal")


def test_an_agents_reply_reopens_the_page_live(page: Page, site: Site) -> None:
    api = site.api
    client = api.client(name="Carla Client")
    ticket = api.ticket(client_id=client["id"], title="Printer on fire")
    api.ok(api.post(f"/v2/agency/tickets/resolve/{ticket['id']}"), "ticket")
    page.set_viewport_size({"width": 390, "height": 844})
    enter_portal(page, site, client["id"])
    page.goto(f"{site.url}/portal/tickets/{ticket['id']}")
    expect(page.locator("#conversation .tag")).to_have_text("Resolved")
    expect(page.get_by_role("heading", name="How did we do?")).to_be_visible()
    widths = page.evaluate(WIDTHS)
    assert widths[0] <= widths[1], f"the rating form scrolls sideways: {widths}"
    expect(page.locator("#reply-hint")).to_contain_text("Replying opens it again")
    page.evaluate("window.stillTheSamePage = true")

    reply = {"reply": "It was not the printer after all."}
    api.ok(api.post(f"/v2/agency/tickets/reply/create/{ticket['id']}", reply), "ticket")

    expect(page.locator("#conversation .tag")).to_have_text("Open", timeout=10_000)
    expect(page.get_by_role("button", name="Mark as resolved")).to_be_visible()
    expect(page.get_by_role("heading", name="How did we do?")).to_have_count(0)
    expect(page.locator("#reply-hint")).to_have_text("")
    assert page.evaluate("window.stillTheSamePage") is True

    api.ok(api.post(f"/v2/agency/tickets/resolve/{ticket['id']}"), "ticket")
    expect(page.get_by_role("heading", name="How did we do?")).to_be_visible(timeout=10_000)
    expect(page.get_by_role("button", name="Mark as resolved")).to_have_count(0)
    assert page.evaluate("window.stillTheSamePage") is True


def test_a_clients_rating_reaches_the_console(page: Page, site: Site, browser: Browser) -> None:
    api = site.api
    client = api.client(name="Carla Client")
    ticket = api.ticket(client_id=client["id"], title="Invoice missing")
    enter_portal(page, site, client["id"])
    page.goto(f"{site.url}/portal/tickets/{ticket['id']}")
    page.get_by_role("button", name="Mark as resolved").click()
    page.wait_for_url(re.compile(rf"/portal/tickets/{ticket['id']}$"))
    page.get_by_label("Good").check()
    page.get_by_label("Comment (optional)").fill("Found it, thank you!")
    page.get_by_role("button", name="Send rating").click()
    expect(page.get_by_role("status")).to_contain_text("Thank you for your rating: Good")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "portal_rating_given.png", full_page=True)

    agents = browser.new_context()
    console = agents.new_page()
    try:
        signed_in_agent(console, site)
        expect(console.locator(".ratings-share")).to_contain_text("100% good over 7 days (1)")
        console.goto(f"{site.url}/console/tickets/{ticket['id']}")
        line = console.locator(".rating-line")
        expect(line).to_contain_text("Client's rating: Good")
        expect(line).to_contain_text("Found it, thank you!")
        console.screenshot(path=SCREENSHOTS / "console_rating_seen.png", full_page=True)
    finally:
        agents.close()

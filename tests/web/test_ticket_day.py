"""A day's ticket in a real browser: an agent answers with a saved reply and a note, tags it,
sends and resolves; the client reopens it from the portal, and the agent's page follows without
a reload. Also the keys, and the page on a phone."""

import re

from playwright.sync_api import Browser, Page, expect

from tests.support.browser import SCREENSHOTS, Site, signed_in_agent

SAVED = (
    "Hello {{client.name}}, about {{ticket.title}}: the technician is on the way. {{teammate.name}}"
)
OVERFLOWS = "() => document.documentElement.scrollWidth > window.innerWidth"


def test_an_agent_answers_resolves_and_follows_the_client_reopening(
    page: Page, browser: Browser, site: Site
) -> None:
    api = site.api
    api.post("/v2/agency/saved-replies/create", {"title": "On the way", "text": SAVED})
    client = api.client(name="Clara Client", email="clara@example.com")
    ticket = api.ticket(client_id=client["id"], title="Printer on fire", is_client_reply=True)
    signed_in_agent(page, site, name="Ada Agent")
    page.goto(f"{site.url}/console/tickets/{ticket['id']}")
    notices = page.locator(".notice")

    page.get_by_label("Note", exact=True).fill("Client is on the legacy plan.")
    page.get_by_role("button", name="Add note").click()
    expect(notices).to_have_text("Internal note added.")
    note = page.locator(".message.note")
    expect(note).to_contain_text("Client is on the legacy plan.")
    expect(note).to_contain_text("internal note")

    page.get_by_label("Tags").fill("printer, fire")
    page.get_by_label("Priority").select_option("urgent")
    page.get_by_role("button", name="Save tags and priority").click()
    expect(notices).to_have_text("Tags and priority saved.")
    expect(page.get_by_label("Tags")).to_have_value("fire, printer")

    page.get_by_label("Saved reply").select_option(label="On the way")
    page.get_by_role("button", name="Insert").click()
    reply_box = page.get_by_label("Your reply")
    expect(reply_box).to_have_value(
        "Hello Clara Client, about Printer on fire: the technician is on the way. Ada Agent"
    )
    page.evaluate("window.loadedOnce = true")  # the picker inserted it without a reload
    page.get_by_role("button", name="Send and resolve").click()
    expect(notices).to_have_text("Reply sent and ticket resolved.")
    expect(page.locator("#ticket-status")).to_have_text("resolved")
    expect(page.get_by_role("button", name="Resolve", exact=True)).to_have_count(0)
    expect(page.locator("#reopen-hint")).to_have_text("(reopens the ticket)")
    expect(page.locator(".activity").last).to_contain_text("Resolved by Ada Agent")

    # The client reopens it from the portal, in a browser of their own.
    portal = browser.new_context().new_page()
    portal.goto(api.ok(api.post(f"/v2/agency/clients/portal-session/{client['id']}"), "url"))
    portal.get_by_role("button", name="Continue to your support portal").click()
    portal.goto(f"{site.url}/portal/tickets/{ticket['id']}")
    expect(portal.locator(".message").last).to_contain_text("the technician is on the way")
    expect(portal.locator("body")).not_to_contain_text("legacy plan")
    page.evaluate("window.loadedOnce = true")
    portal.get_by_label("Your reply").fill("It caught fire again.")
    portal.get_by_role("button", name="Send reply").click()
    expect(portal.locator("#conversation .tag")).to_have_text("Open")
    portal.context.close()

    # The agent's controls follow, without a reload.
    expect(page.locator("#ticket-status")).to_have_text("open", timeout=10_000)
    expect(page.get_by_role("button", name="Resolve", exact=True)).to_be_visible()
    expect(page.locator("#reopen-hint")).to_have_text("")
    expect(page.locator(".message.client").last).to_contain_text("It caught fire again.")
    expect(page.locator(".activity").last).to_contain_text("Reopened by the client")
    assert page.evaluate("window.loadedOnce") is True


def test_the_keys_move_reply_resolve_and_show_their_help(page: Page, site: Site) -> None:
    api = site.api
    older = api.ticket(title="Older ticket")
    newer = api.ticket(title="Newer ticket")
    signed_in_agent(page, site)
    page.goto(f"{site.url}/console/tickets/{newer['id']}")

    page.keyboard.press("?")
    help_dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(help_dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()

    page.keyboard.press("j")  # the next ticket of the inbox: the older one
    expect(page.get_by_role("heading", level=1)).to_have_text("Older ticket")
    page.keyboard.press("k")
    expect(page.get_by_role("heading", level=1)).to_have_text("Newer ticket")

    page.keyboard.press("r")
    reply_box = page.get_by_label("Your reply")
    expect(reply_box).to_be_focused()
    reply_box.type("j k e")  # typed in the box, not taken as keys
    expect(reply_box).to_have_value("j k e")
    reply_box.press("Control+Enter")
    expect(page.locator(".notice")).to_have_text("Reply sent.")
    expect(page.locator(".message.agent").last).to_contain_text("j k e")

    page.keyboard.press("a")
    expect(page.get_by_label("Assigned agent")).to_be_focused()
    page.locator("body").click()
    page.keyboard.press("e")
    expect(page.locator(".notice")).to_have_text("Resolved.")
    found = api.ok(api.get(f"/v2/agency/tickets/retrieve/{newer['id']}"), "ticket")
    assert found["is_open"] is False
    assert api.ok(api.get(f"/v2/agency/tickets/retrieve/{older['id']}"), "ticket")["is_open"]


def test_the_ticket_page_fits_a_phone(page: Page, site: Site, tmp_path: object) -> None:
    api = site.api
    client = api.client(name="Clara With A Rather Long Name", email="clara.long@example.com")
    ticket = api.ticket(client_id=client["id"], title="A title long enough to wrap on a phone")
    api.ticket(client_id=client["id"], title="Another ticket of hers with a long title too")
    api.post(f"/v2/agency/tickets/notes/create/{ticket['id']}", {"text": "A note " * 30})
    api.ok(
        api.post(f"/v2/agency/tickets/update/{ticket['id']}", {"tags": ["billing", "a-long-tag"]}),
        "ticket",
    )
    signed_in_agent(page, site)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{site.url}/console/tickets/{ticket['id']}")
    expect(page.locator(".message.note")).to_be_visible()
    assert page.evaluate(OVERFLOWS) is False
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "ticket_page_390px.png", full_page=True)
    assert re.search("Client since", page.content())


def test_the_feedback_is_not_shown_again_on_a_reload(page: Page, site: Site) -> None:
    ticket = site.api.ticket()
    signed_in_agent(page, site)
    page.goto(f"{site.url}/console/tickets/{ticket['id']}")
    page.get_by_role("button", name="Resolve", exact=True).click()
    expect(page.locator(".notice")).to_have_text("Resolved.")
    assert page.url == f"{site.url}/console/tickets/{ticket['id']}"
    page.reload()
    expect(page.locator("#ticket-status")).to_have_text("resolved")
    expect(page.locator(".notice")).to_have_count(0)

"""The client portal in a real browser: entering through a one-time link, opening a ticket,
replying, resolving, and what a client must not be able to do."""

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import update

from hookdesk.models.access import OneTimeLink
from hookdesk.models.tickets import Ticket
from hookdesk.shared.clock import now
from tests.support.api import Api
from tests.support.browser import SCREENSHOTS, Site
from tests.support.receivers import Receiver

TICKET_URL = re.compile(r"/portal/tickets/([0-9a-f-]{36})$")
# What the keyboard focus is on: a control's id, or a button's text.
FOCUSED = "document.activeElement.id || document.activeElement.textContent.trim()"
UNLABELLED = """[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
    .filter(control => control.labels.length === 0).map(control => control.name)"""
EVENTS = ["whitelabel.ticket.created", "whitelabel.ticket.updated", "whitelabel.ticket.resolved"]


def portal_link(api: Api, client_id: str) -> str:
    return api.ok(api.post(f"/v2/agency/clients/portal-session/{client_id}"), "url")


def enter(page: Page, site: Site, link: str) -> None:
    page.goto(link)
    page.get_by_role("button", name="Continue to your support portal").click()
    page.wait_for_url(f"{site.url}/portal")


def entered_client(page: Page, site: Site, **fields: str) -> dict[str, str]:
    client = site.api.client(**fields)
    enter(page, site, portal_link(site.api, client["id"]))
    return client


def expire_links_of(api: Api, client_id: str) -> None:
    with api.db.transaction() as session:
        session.execute(
            update(OneTimeLink)
            .where(OneTimeLink.subject_id == client_id)
            .values(expires_at=now() - 1)
        )


def test_a_client_opens_replies_to_and_resolves_a_ticket_and_webhooks_follow(
    page: Page, site: Site, receiver: Receiver, tmp_path: Path
) -> None:
    api = site.api
    api.ok(
        api.post(
            "/v2/agency/brand/update", {"display_name": "Acme Help", "primary_color": "#aa3300"}
        ),
        "brand",
    )
    api.ok(
        api.post("/v2/webhook-endpoints/create", {"url": receiver.url, "events": EVENTS}),
        "webhook_endpoint",
    )
    api.category(title="Billing", subcategories=["Invoices", "Refunds"])
    client = api.client(name="Carla Client")

    page.goto(portal_link(api, client["id"]))
    expect(page.get_by_role("heading", level=1)).to_have_text("Acme Help support")
    page.get_by_role("button", name="Continue to your support portal").click()
    page.wait_for_url(f"{site.url}/portal")
    expect(page).to_have_title(re.compile("Acme Help"))
    expect(page.locator("header.top")).to_contain_text("Acme Help")
    expect(page.locator("header.top")).to_contain_text("Carla Client")
    brand_colour = "getComputedStyle(document.documentElement).getPropertyValue('--brand').trim()"
    assert page.evaluate(brand_colour) == "#aa3300"
    expect(page.get_by_text("You have no tickets yet")).to_be_visible()

    page.get_by_role("navigation", name="Portal").get_by_role("link", name="New ticket").click()
    page.get_by_label("Title").fill("Charged twice")
    page.get_by_label("Topic").select_option(label="Billing — Refunds")
    page.get_by_label("Description").fill("My card was charged twice in May.")
    receipt = tmp_path / "receipt.txt"
    receipt.write_text("two charges of 12 EUR")
    page.get_by_label("Attachments (optional)").set_input_files(receipt)
    page.get_by_role("button", name="Open ticket").click()
    page.wait_for_url(TICKET_URL)
    ticket_id = TICKET_URL.search(page.url).group(1)  # type: ignore[union-attr]
    conversation = page.locator("#conversation")
    expect(conversation.locator(".message.client")).to_contain_text("charged twice in May")
    expect(conversation.locator(".message.client")).to_contain_text("You")
    attachment = conversation.get_by_role("link", name="receipt.txt")
    assert (
        page.request.get(attachment.get_attribute("href") or "").text() == "two charges of 12 EUR"
    )
    receiver.wait_for(1)

    page.get_by_label("Your reply").fill("It happened again today.")
    page.get_by_role("button", name="Send reply").click()
    expect(conversation.locator(".message.client").nth(1)).to_contain_text("happened again")
    receiver.wait_for(2)

    page.get_by_role("button", name="Mark as resolved").click()
    expect(conversation.locator(".tag")).to_have_text("Resolved")
    expect(page.get_by_role("button", name="Mark as resolved")).to_have_count(0)
    events = [json.loads(request.body) for request in receiver.wait_for(3)]

    assert [event["event_type"] for event in events] == EVENTS
    assert {event["data"]["ticket"]["id"] for event in events} == {ticket_id}
    created = events[0]["data"]["ticket"]
    assert created["client"]["id"] == client["id"]
    assert (created["category"], created["subcategory"]) == ("Billing", "Refunds")
    assert created["replies"][0]["is_client_reply"] is True
    assert created["replies"][0]["text"] == "My card was charged twice in May."
    assert [a["filename"] for a in created["replies"][0]["assets"]] == ["receipt.txt"]
    reply = events[1]["data"]["reply"]
    assert (reply["text"], reply["is_client_reply"]) == ("It happened again today.", True)
    assert events[2]["data"]["ticket"]["is_open"] is False

    page.get_by_role("link", name="My tickets").click()
    row = page.get_by_role("row", name=re.compile("Charged twice"))
    expect(row.locator(".tag")).to_have_text("Resolved")


def test_an_agents_reply_appears_on_the_open_ticket_page_without_a_reload(
    page: Page, site: Site
) -> None:
    client = entered_client(page, site)
    ticket = site.api.ticket(client_id=client["id"], title="Printer on fire")
    page.goto(f"{site.url}/portal/tickets/{ticket['id']}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Printer on fire")
    page.evaluate("window.stillTheSamePage = true")

    answer = {"reply": "Please unplug it first."}
    site.api.ok(site.api.post(f"/v2/agency/tickets/reply/create/{ticket['id']}", answer), "ticket")

    messages = page.locator("#conversation .message")
    expect(messages).to_have_count(2, timeout=10_000)
    expect(messages.last).to_contain_text("Please unplug it first.")
    expect(messages.last).to_contain_text("Web Agency")
    expect(messages.last).to_have_class(re.compile(r"\bagent\b"))
    assert page.evaluate("window.stillTheSamePage") is True


def test_a_reply_to_a_resolved_ticket_opens_it_again(page: Page, site: Site) -> None:
    client = entered_client(page, site)
    ticket = site.api.ticket(client_id=client["id"])
    site.api.ok(site.api.post(f"/v2/agency/tickets/resolve/{ticket['id']}"), "ticket")
    page.goto(f"{site.url}/portal/tickets/{ticket['id']}")
    expect(page.locator("#conversation .tag")).to_have_text("Resolved")
    expect(page.get_by_role("button", name="Mark as resolved")).to_have_count(0)

    page.get_by_label("Your reply").fill("It broke again.")
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator("#conversation .tag")).to_have_text("Open")
    expect(page.get_by_role("button", name="Mark as resolved")).to_be_visible()
    after = site.api.ok(site.api.get(f"/v2/agency/tickets/retrieve/{ticket['id']}"), "ticket")
    assert after["is_open"] is True
    assert after["replies"][-1]["is_client_reply"] is True


def test_the_portal_lists_only_the_clients_own_tickets_newest_first_20_a_page(
    page: Page, site: Site
) -> None:
    client = entered_client(page, site)
    category = site.api.category()
    for number in range(1, 22):
        site.api.ticket(client_id=client["id"], category=category["id"], title=f"Question {number}")
    site.api.ticket(title="Someone else's question")

    page.goto(f"{site.url}/portal")
    titles = page.locator("tbody a")
    expect(titles).to_have_text([f"Question {n}" for n in range(21, 1, -1)])
    page.get_by_role("link", name="Older").click()
    expect(titles).to_have_text(["Question 1"])
    expect(page.get_by_role("navigation", name="Pages")).to_contain_text("Page 2 of 2")


def test_a_form_error_is_shown_beside_its_field(page: Page, site: Site, tmp_path: Path) -> None:
    site.api.category(title="General")
    entered_client(page, site)
    page.goto(f"{site.url}/portal/tickets/new")
    page.get_by_label("Description").fill("Kept when the form comes back.")
    page.get_by_role("button", name="Open ticket").click()
    expect(page.locator("#e-title")).to_have_text("Enter a title.")
    expect(page.locator("#e-topic")).to_have_text("Choose a topic.")
    expect(page.get_by_label("Description")).to_have_value("Kept when the form comes back.")

    page.get_by_label("Title").fill("A script")
    page.get_by_label("Topic").select_option(label="General")
    script = tmp_path / "run.sh"
    script.write_text("echo hi")
    page.get_by_label("Attachments (optional)").set_input_files(script)
    page.get_by_role("button", name="Open ticket").click()
    expect(page.locator("#e-attachments")).to_contain_text("run.sh: type '.sh' is not accepted")
    assert site.api.count(Ticket) == 0


def test_a_portal_link_is_refused_once_expired(page: Page, site: Site) -> None:
    client = site.api.client()
    link = portal_link(site.api, client["id"])
    page.goto(link)
    expire_links_of(site.api, client["id"])
    page.get_by_role("button", name="Continue to your support portal").click()
    expect(page.get_by_role("alert")).to_contain_text("expired or was used")

    opened = page.goto(link)
    assert opened is not None and opened.status == 400
    expect(page.get_by_role("button", name="Continue to your support portal")).to_have_count(0)
    assert page.goto(f"{site.url}/portal").status == 401  # type: ignore[union-attr]


def test_a_portal_link_works_once(page: Page, site: Site, browser: Browser) -> None:
    client = site.api.client()
    link = portal_link(site.api, client["id"])
    other_browser = browser.new_context()
    try:
        late = other_browser.new_page()
        late.goto(link)  # shown to both: opening the link does not use it up
        enter(page, site, link)
        late.get_by_role("button", name="Continue to your support portal").click()
        expect(late.get_by_role("alert")).to_contain_text("expired or was used")
        assert late.goto(f"{site.url}/portal").status == 401  # type: ignore[union-attr]
    finally:
        other_browser.close()
    opened = page.goto(link)
    assert opened is not None and opened.status == 400


def test_a_client_cannot_reach_another_clients_ticket(page: Page, site: Site) -> None:
    entered_client(page, site)
    theirs = site.api.ticket(title="Secret merger plans")
    other_account = site.new_account("Other Agency")
    elsewhere = other_account.ticket(title="Another agency's secret")

    for ticket in (theirs, elsewhere):
        opened = page.goto(f"{site.url}/portal/tickets/{ticket['id']}")
        assert opened is not None and opened.status == 404
        expect(page.get_by_role("alert")).to_contain_text("This page does not exist")
        assert ticket["title"] not in page.content()
        polled = page.request.get(f"{site.url}/portal/tickets/{ticket['id']}/conversation")
        assert polled.status == 404
        assert ticket["title"] not in polled.text()

    page.goto(f"{site.url}/portal/tickets/new")
    token = page.locator("input[name=csrf_token]").first.get_attribute("value") or ""
    base = f"{site.url}/portal/tickets/{theirs['id']}"
    form: dict[str, str | float | bool] = {"csrf_token": token, "reply": "Let me in."}
    assert page.request.post(f"{base}/reply", form=form).status == 404
    assert page.request.post(f"{base}/resolve", form={"csrf_token": token}).status == 404
    after = site.api.ok(site.api.get(f"/v2/agency/tickets/retrieve/{theirs['id']}"), "ticket")
    assert after["is_open"] is True
    assert [r["text"] for r in after["replies"]] == ["It does not work."]


@pytest.mark.parametrize("token", [None, "not-the-token"])
def test_a_portal_form_without_its_csrf_token_is_refused(
    page: Page, site: Site, token: str | None
) -> None:
    category = site.api.category(title="General")
    entered_client(page, site)
    page.goto(f"{site.url}/portal/tickets/new")
    real_token = page.locator("input[name=csrf_token]").first.get_attribute("value") or ""
    form = {"title": "Forged", "topic": category["id"], "description": "From another site."}
    url = f"{site.url}/portal/tickets/new"

    refused = page.request.post(url, form=form | ({"csrf_token": token} if token else {}))
    assert refused.status == 403
    assert "This form has expired" in refused.text()
    assert site.api.count(Ticket) == 0

    accepted = page.request.post(url, form=form | {"csrf_token": real_token}, max_redirects=0)
    assert accepted.status == 303
    assert site.api.count(Ticket) == 1


def test_the_portal_fits_a_phone_and_is_keyboard_navigable(
    browser: Browser, site: Site, request: pytest.FixtureRequest
) -> None:
    site.api.category(title="Technical", subcategories=["Login", "Performance"])
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.set_default_timeout(15_000)
    phone = context.new_page()
    try:
        client = entered_client(phone, site)
        phone.goto(f"{site.url}/portal/tickets/new")
        focused = []
        for _ in range(12):
            phone.keyboard.press("Tab")
            focused.append(phone.evaluate(FOCUSED))
        expected = ["f-title", "f-topic", "f-description", "f-attachments", "Open ticket"]
        positions = [focused.index(name) for name in expected]
        assert positions == sorted(positions), focused

        title = "The dashboard is extremely slow when opening the monthly report, every time"
        ticket = site.api.ticket(client_id=client["id"], title=title)
        long_link = "https://status.example.com/incidents/" + "x" * 120
        site.api.post(f"/v2/agency/tickets/reply/create/{ticket['id']}", {"reply": long_link})
        for path in ("/portal/tickets/new", "/portal", f"/portal/tickets/{ticket['id']}"):
            phone.goto(f"{site.url}{path}")
            widths = phone.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert widths[0] <= widths[1], f"{path} scrolls sideways: {widths}"
            assert phone.evaluate(UNLABELLED) == [], path
    finally:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid.split("::", 1)[-1])
        phone.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
        context.close()

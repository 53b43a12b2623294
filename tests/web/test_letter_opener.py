"""The console's letter opener in Chromium: a notification in the agency's brand and the ticket's
language, as its recipient would see it, without any mail server; its portal link lands on the
conversation."""

from playwright.sync_api import Page, expect

from tests.support.browser import SCREENSHOTS, Site, signed_in_agent


def test_the_letter_opener_shows_a_branded_notification_in_the_tickets_language(
    page: Page, site: Site
) -> None:
    api = site.api
    api.ok(
        api.post(
            "/v2/agency/brand/update", {"display_name": "Acme Hulp", "primary_color": "#12ab34"}
        ),
        "brand",
    )
    signed_in_agent(page, site)
    client = api.client(name="Jan Jansen")
    ticket = api.ticket(
        client_id=client["id"],
        title="Factuur klopt niet",
        category=api.category(language="nl", automated_reply="Bedankt, we kijken ernaar.")["id"],
    )

    page.goto(f"{site.url}/console/mail")
    expect(page.get_by_role("status")).to_contain_text("notifications are kept here and not sent")
    row = page.get_by_role("row").filter(has_text=client["email"])
    row.get_by_role("link").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"We hebben je verzoek ontvangen: {ticket['title']}"
    )
    letter = page.frame_locator("iframe.letter")
    expect(letter.get_by_text("Hallo Jan Jansen,")).to_be_visible()
    expect(letter.get_by_text("Bedankt, we kijken ernaar.")).to_be_visible()
    button = letter.get_by_role("link", name="Bekijk het gesprek")
    expect(button).to_have_css("background-color", "rgb(18, 171, 52)")
    expect(letter.get_by_text("Acme Hulp").first).to_be_visible()
    assert (
        "hookdesk" not in page.frame_locator("iframe.letter").locator("body").inner_text().lower()
    )
    expect(page.locator("pre.letter-text")).to_contain_text("Bekijk het gesprek: http")

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "letter_opener_nl.png", full_page=True)

    # The letter's button is a one-time link into the portal that lands on this conversation.
    href = button.get_attribute("href")
    assert href is not None and "/portal/enter/" in href
    page.goto(href)  # the portal speaks the ticket's language too
    page.get_by_role("button", name="Verder naar je supportportaal").click()
    page.wait_for_url(f"{site.url}/portal/tickets/{ticket['id']}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(ticket["title"])

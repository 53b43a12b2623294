"""The portal in a real browser, in the client's language (Dutch, German) and on a phone's
width: no sideways scroll, and no status tag broken over two lines."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import SCREENSHOTS, Site

# Each status tag is one box: a tag broken over two lines ("Resolv/ed") has two.
BROKEN_TAGS = "[...document.querySelectorAll('.tag')].filter(t => t.getClientRects().length !== 1 || t.offsetHeight > 2 * parseFloat(getComputedStyle(t).fontSize)).map(t => t.textContent)"
WIDTHS = "[document.documentElement.scrollWidth, window.innerWidth]"


@pytest.mark.parametrize(
    ("code", "enter", "mine", "resolve", "resolved"),
    [
        (
            "nl",
            "Verder naar je supportportaal",
            "Mijn tickets",
            "Markeren als opgelost",
            "Opgelost",
        ),
        ("de", "Weiter zu Ihrem Support-Portal", "Meine Tickets", "Als gelöst markieren", "Gelöst"),
    ],
)
def test_the_portal_speaks_the_clients_language_on_a_phone(
    page: Page, site: Site, code: str, enter: str, mine: str, resolve: str, resolved: str
) -> None:
    api = site.api
    api.ok(api.post("/v2/agency/brand/update", {"display_name": "Acme Hilfe"}), "brand")
    category = api.category(title="Rechnungen", language=code)
    client = api.client(name="Anna Jansen")
    first = api.ticket(client_id=client["id"], category=category["id"], title="Factuur ontbreekt")
    api.ok(api.post(f"/v2/agency/tickets/resolve/{first['id']}"), "ticket")
    second = api.ticket(client_id=client["id"], category=category["id"], title="Wachtwoord")
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto(api.ok(api.post(f"/v2/agency/clients/portal-session/{client['id']}"), "url"))
    page.get_by_role("button", name=enter).click()
    page.wait_for_url(f"{site.url}/portal")
    expect(page.get_by_role("heading", level=1)).to_have_text(mine)
    assert page.evaluate("document.documentElement.lang") == code
    expect(page.locator(".tag.closed")).to_have_text(resolved)
    assert page.evaluate(BROKEN_TAGS) == []
    widths = page.evaluate(WIDTHS)
    assert widths[0] <= widths[1], widths
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"portal_tickets_{code}_390.png", full_page=True)

    page.get_by_role("link", name=second["title"]).click()
    page.wait_for_url(re.compile(rf"/portal/tickets/{second['id']}$"))
    expect(page.get_by_role("button", name=resolve)).to_be_visible()
    assert page.evaluate(BROKEN_TAGS) == []
    widths = page.evaluate(WIDTHS)
    assert widths[0] <= widths[1], widths

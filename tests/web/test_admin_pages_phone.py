"""The clients and settings pages in Chromium at a phone's width (390 px): no sideways scroll,
every control labelled; and a portal link copied from a client's page."""

from playwright.sync_api import Browser, Page, expect

from tests.support.browser import SCREENSHOTS, Site, signed_in_agent

UNLABELLED_CONTROLS = """
[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
  .filter(control => control.labels.length === 0 && !control.getAttribute('aria-label'))
  .map(control => control.name)
"""


def test_clients_and_settings_fit_a_phone(browser: Browser, site: Site) -> None:
    client = site.api.client(
        name="Maximiliane Wolkenstein-Rodenegg",
        email="maximiliane.wolkenstein-rodenegg@example.com",
    )
    site.api.ticket(client_id=client["id"], title="A rather long ticket title that has to wrap")
    category = site.api.category(title="Billing and invoices", subcategories=["Refunds"])
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone = context.new_page()
    try:
        signed_in_agent(phone, site)
        paths = (
            "/console/clients",
            f"/console/clients/{client['id']}",
            "/console/settings",
            "/console/settings/categories",
            f"/console/settings/categories/{category['id']}",
            "/console/settings/teammates",
            "/console/settings/api-keys",
        )
        for path in paths:
            phone.goto(f"{site.url}{path}")
            assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
            assert phone.evaluate(UNLABELLED_CONTROLS) == [], path
            name = path.strip("/").replace("/", "_").replace(client["id"], "client")
            name = name.replace(category["id"], "category")
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            phone.screenshot(path=SCREENSHOTS / f"phone_{name}.png", full_page=True)
    finally:
        context.close()


def test_an_agent_finds_a_client_and_copies_a_portal_link(page: Page, site: Site) -> None:
    site.api.client(name="Cleo Client", email="cleo@example.com")
    signed_in_agent(page, site, role="agent")
    page.get_by_role("link", name="Clients").click()
    page.get_by_label("Find a client").fill("CLEO@")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Cleo Client").click()
    expect(page.get_by_role("heading", name="Cleo Client", exact=True)).to_be_visible()

    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Get a link to copy").click()
    expect(page.get_by_role("status")).to_contain_text("Give the client this link")
    page.get_by_role("button", name="Copy Portal link").click()
    expect(page.get_by_role("button", name="Copied Portal link")).to_be_visible()
    link = page.evaluate("navigator.clipboard.readText()")
    assert link.startswith(f"{site.url}/portal/")
    page.goto(link)
    page.get_by_role("button", name="Continue to your support portal").click()
    page.wait_for_url(f"{site.url}/portal")
    expect(page.locator(".who")).to_contain_text("Cleo Client")

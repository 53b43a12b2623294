"""Account settings: the brand, and inviting a teammate from the console."""

from pathlib import Path

from playwright.sync_api import Page, expect

from hookdesk.access import signin
from hookdesk.accounts.brand import contrast_ratio
from tests.support.browser import Site, signed_in_agent

# The smallest valid PNG: one transparent pixel.
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


def test_the_brand_is_set_in_settings(page: Page, site: Site, tmp_path: Path) -> None:
    signed_in_agent(page, site)
    page.get_by_role("link", name="Settings").click()
    page.get_by_label("Display name").fill("Acme Care")
    page.get_by_label("Primary colour").fill("#aa3300")
    logo = tmp_path / "logo.png"
    logo.write_bytes(PIXEL)
    page.get_by_label("Upload a logo").set_input_files(logo)
    page.get_by_role("button", name="Save brand").click()
    expect(page.get_by_role("status")).to_contain_text("Brand saved.")

    shown = site.api.ok(site.api.get("/v2/agency/brand/retrieve"), "brand")
    assert shown["display_name"] == "Acme Care"
    assert shown["primary_color"] == "#aa3300"
    assert shown["logo_url"].startswith(f"{site.url}/assets/") and shown["logo_url"].endswith(
        "/logo.png"
    )
    expect(page.get_by_alt_text("Current logo")).to_have_attribute("src", shown["logo_url"])


def test_a_bad_logo_address_is_refused_beside_its_field(page: Page, site: Site) -> None:
    signed_in_agent(page, site)
    page.goto(f"{site.url}/console/settings")
    page.get_by_label("Logo address").fill("javascript:alert(1)")
    page.get_by_role("button", name="Save brand").click()
    expect(page.locator("#e-logo_url")).to_contain_text("starting with https://")
    expect(page.get_by_label("Logo address")).to_have_value("javascript:alert(1)")
    assert site.api.ok(site.api.get("/v2/agency/brand/retrieve"), "brand")["logo_url"] is None


def test_a_teammate_is_added_and_invited_from_settings(page: Page, site: Site) -> None:
    signed_in_agent(page, site)
    page.goto(f"{site.url}/console/settings")
    page.get_by_role("link", name="Teammates").click()
    page.get_by_label("Name", exact=True).fill("Nina New")
    page.get_by_label("Email", exact=True).fill("not an email")
    page.get_by_role("button", name="Add teammate").click()
    expect(page.locator("#e-email")).to_be_visible()
    page.get_by_label("Email", exact=True).fill("nina@agency.example.com")
    page.get_by_label("Role", exact=True).select_option("admin")
    page.get_by_role("button", name="Add teammate").click()
    team = site.api.ok(site.api.get("/v2/agency/teammates/list"), "teammates")
    assert {t["name"]: t["role"] for t in team}["Nina New"] == "admin"
    expect(page.get_by_role("status")).to_contain_text("Nina New added")
    page.get_by_role("button", name="Invite Nina New").click()
    expect(page.get_by_role("status")).to_contain_text("Send Nina New this link")
    link = page.locator("#flash-secret").inner_text()
    assert link.startswith(f"{site.url}/console/invite/")
    page.reload()  # shown once
    expect(page.locator("#flash-secret")).to_have_count(0)

    page.context.clear_cookies()
    page.goto(link)
    expect(page.get_by_role("heading", name="Welcome, Nina New")).to_be_visible()


def test_an_admin_changes_a_role_disables_enables_and_deletes_a_teammate(
    page: Page, site: Site
) -> None:
    admin = signed_in_agent(page, site, name="Ada Admin")
    colleague = site.api.teammate(name="Carl Colleague")
    url = site.api.ok(site.api.post(f"/v2/agency/teammates/invite/{colleague['id']}"), "url")
    session = signin.accept_invite(site.api.db, url.rsplit("/", 1)[1], "a long password")
    their_console = {"Cookie": f"agent_session={session.started.token}"}

    def teammate(teammate_id: str) -> dict[str, object]:
        team = site.api.ok(site.api.get("/v2/agency/teammates/list"), "teammates")
        return next((t for t in team if t["id"] == teammate_id), {})

    page.goto(f"{site.url}/console/settings/teammates")
    expect(page.get_by_role("button", name="Disable Ada Admin")).to_have_count(0)
    expect(page.get_by_role("link", name="Delete Ada Admin")).to_have_count(0)

    page.get_by_label("Role of Carl Colleague", exact=True).select_option("admin")
    page.get_by_role("button", name="Save the role of Carl Colleague").click()
    expect(page.get_by_label("Role of Carl Colleague", exact=True)).to_have_value("admin")
    assert teammate(colleague["id"])["role"] == "admin"

    page.get_by_role("button", name="Disable Carl Colleague").click()
    expect(page.get_by_role("button", name="Enable Carl Colleague")).to_be_visible()
    assert teammate(colleague["id"])["disabled"] is True
    gone = site.app_client.get("/console", headers=their_console, follow_redirects=False)
    assert gone.status_code == 303  # signed out at once
    page.get_by_role("button", name="Enable Carl Colleague").click()
    expect(page.get_by_role("button", name="Disable Carl Colleague")).to_be_visible()
    assert teammate(colleague["id"])["disabled"] is False

    page.get_by_role("link", name="Delete Carl Colleague").click()
    expect(page.get_by_role("heading", name="Delete Carl Colleague?")).to_be_visible()
    page.get_by_role("button", name="Delete teammate").click()
    page.wait_for_url(f"{site.url}/console/settings/teammates")
    expect(page.get_by_role("status")).to_contain_text("Carl Colleague is deleted.")
    expect(page.locator(".rows").get_by_text("Carl Colleague")).to_have_count(0)
    assert teammate(colleague["id"]) == {}
    assert teammate(admin["id"])["role"] == "admin"


def test_an_admin_creates_and_revokes_api_keys(page: Page, site: Site) -> None:
    signed_in_agent(page, site)
    page.goto(f"{site.url}/console/settings/api-keys")
    expect(page.get_by_role("button", name="Revoke Default")).to_be_visible()
    page.get_by_role("button", name="Create key").click()
    expect(page.locator("#e-key_name")).to_be_visible()
    page.get_by_label("Key name").fill("Billing system")
    page.get_by_role("button", name="Create key").click()
    key = page.locator("#flash-secret").inner_text()
    assert key.startswith("hk_")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == key
    answer = site.app_client.get(
        "/v2/agency/clients/list", headers={"Authorization": f"Bearer {key}"}
    )
    assert answer.status_code == 200

    page.get_by_role("button", name=f"Revoke Billing system ({key[:8]})").click()
    page.wait_for_url(f"{site.url}/console/settings/api-keys")
    expect(page.get_by_text("revoked", exact=True)).to_be_visible()
    expect(page.locator("#flash-secret")).to_have_count(0)  # shown only once
    answer = site.app_client.get(
        "/v2/agency/clients/list", headers={"Authorization": f"Bearer {key}"}
    )
    assert answer.status_code == 401


def rgb_hex(css: str) -> str:
    """`rgb(255, 212, 0)` as `#ffd400`."""
    channels = css.removeprefix("rgb(").removesuffix(")").split(",")
    return "#" + "".join(f"{int(channel):02x}" for channel in channels)


def test_a_yellow_brand_keeps_buttons_and_links_readable(page: Page, site: Site) -> None:
    signed_in_agent(page, site)
    page.goto(f"{site.url}/console/settings")
    page.get_by_label("Primary colour").fill("#FFD400")
    preview = page.locator("#brand-preview")  # live, before saving
    expect(preview).to_contain_text("White text is hard to read on #ffd400")
    sample = preview.locator("[data-preview=button]")
    expect(sample).to_have_css("background-color", "rgb(255, 212, 0)")
    expect(sample).to_have_css("color", "rgb(0, 0, 0)")
    page.get_by_role("button", name="Save brand").click()
    expect(page.get_by_role("status")).to_contain_text("buttons in it have dark text")

    save = page.get_by_role("button", name="Save brand")
    expect(save).to_have_css("background-color", "rgb(255, 212, 0)")
    text = rgb_hex(save.evaluate("button => getComputedStyle(button).color"))
    assert text == "#000000" and contrast_ratio(text, "#ffd400") >= 4.5
    link = page.get_by_role("link", name="Inbox")
    link_color = rgb_hex(link.evaluate("link => getComputedStyle(link).color"))
    assert contrast_ratio(link_color, "#ffffff") >= 4.5
    icon = page.locator("link[rel=icon]").get_attribute("href") or ""
    assert icon.startswith("data:image/svg+xml,")

    client = site.api.client()
    portal = site.api.ok(site.api.post(f"/v2/agency/clients/portal-session/{client['id']}"), "url")
    page.goto(portal)
    enter = page.get_by_role("button", name="Continue to your support portal")
    expect(enter).to_have_css("background-color", "rgb(255, 212, 0)")
    expect(enter).to_have_css("color", "rgb(0, 0, 0)")
    page.goto(f"{site.url}/console/settings")  # the screenshot: the settings in yellow

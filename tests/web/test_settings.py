"""Account settings: the brand, and inviting a teammate from the console."""

from pathlib import Path

from playwright.sync_api import Page, expect

from hookdesk.access import signin
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
    expect(page.get_by_role("status")).to_contain_text("Saved.")

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
    expect(page.locator("#e-logo_url")).to_be_visible()
    assert site.api.ok(site.api.get("/v2/agency/brand/retrieve"), "brand")["logo_url"] is None


def test_a_teammate_is_added_and_invited_from_settings(page: Page, site: Site) -> None:
    signed_in_agent(page, site)
    page.goto(f"{site.url}/console/settings")
    page.get_by_label("Name", exact=True).fill("Nina New")
    page.get_by_label("Email", exact=True).fill("not an email")
    page.get_by_role("button", name="Add teammate").click()
    expect(page.locator("#e-email")).to_be_visible()
    page.get_by_label("Email", exact=True).fill("nina@agency.example.com")
    page.get_by_label("Role", exact=True).select_option("admin")
    page.get_by_role("button", name="Add teammate").click()
    team = site.api.ok(site.api.get("/v2/agency/teammates/list"), "teammates")
    assert {t["name"]: t["role"] for t in team}["Nina New"] == "admin"
    page.get_by_role("button", name="Invite Nina New").click()
    link = page.get_by_label("Invite link").input_value()
    assert link.startswith(f"{site.url}/console/invite/")

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

    page.goto(f"{site.url}/console/settings")
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
    page.wait_for_url(f"{site.url}/console/settings?saved=1#teammates")
    expect(page.get_by_text("Carl Colleague")).to_have_count(0)
    assert teammate(colleague["id"]) == {}
    assert teammate(admin["id"])["role"] == "admin"


def test_an_admin_creates_and_revokes_api_keys(page: Page, site: Site) -> None:
    signed_in_agent(page, site)
    page.goto(f"{site.url}/console/settings")
    expect(page.get_by_role("button", name="Revoke Default")).to_be_visible()
    page.get_by_role("button", name="Create key").click()
    expect(page.locator("#e-key_name")).to_be_visible()
    page.get_by_label("Key name").fill("Billing system")
    page.get_by_role("button", name="Create key").click()
    key = page.get_by_label("New API key").input_value()
    assert key.startswith("hk_")
    answer = site.app_client.get(
        "/v2/agency/clients/list", headers={"Authorization": f"Bearer {key}"}
    )
    assert answer.status_code == 200

    page.get_by_role("button", name=f"Revoke Billing system ({key[:8]})").click()
    page.wait_for_url(f"{site.url}/console/settings?saved=1#api-keys")
    expect(page.get_by_text("revoked")).to_be_visible()
    expect(page.get_by_label("New API key")).to_have_count(0)  # shown only once
    answer = site.app_client.get(
        "/v2/agency/clients/list", headers={"Authorization": f"Bearer {key}"}
    )
    assert answer.status_code == 401

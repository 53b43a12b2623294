"""An agent accepts an invite, signs out, and signs in again; the forms' errors are shown."""

import re

from playwright.sync_api import Page, expect

from tests.support.browser import Site, invite_link, signed_in_agent
from tests.support.pages import PASSWORD


def test_an_invited_agent_sets_a_password_and_signs_in_again(page: Page, site: Site) -> None:
    agent = signed_in_agent(page, site, name="Ada Agent", email="ada@agency.example.com")
    expect(page.get_by_role("button", name="Sign out")).to_contain_text("Ada Agent")

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{site.url}/console/sign-in")
    page.get_by_label("Email").fill(agent["email"])
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("do not match")
    expect(page.get_by_label("Email")).to_have_value(agent["email"])

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{site.url}/console")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_a_short_password_is_refused_beside_its_field(page: Page, site: Site) -> None:
    agent = site.api.teammate()
    page.goto(invite_link(site.api, agent["id"]))
    page.get_by_label("New password").fill("short")
    page.get_by_label("Repeat the password").fill("short")
    page.get_by_role("button", name="Set password and sign in").click()
    expect(page.locator("#e-password")).to_contain_text("at least 10 characters")
    expect(page.get_by_label("New password")).to_have_attribute("aria-invalid", "true")


def test_an_invite_link_works_once(page: Page, site: Site) -> None:
    agent = site.api.teammate()
    link = invite_link(site.api, agent["id"])
    page.goto(link)
    page.get_by_label("New password").fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Set password and sign in").click()
    page.wait_for_url(f"{site.url}/console")
    page.goto(link)
    expect(page.get_by_role("alert")).to_contain_text("expired or was used")


def test_a_disabled_agent_is_signed_out_at_once(page: Page, site: Site) -> None:
    agent = signed_in_agent(page, site)
    site.api.ok(
        site.api.post(f"/v2/agency/teammates/update/{agent['id']}", {"disabled": True}), "teammate"
    )
    page.reload()
    page.wait_for_url(re.compile(r"/console/sign-in"))
    page.get_by_label("Email").fill(agent["email"])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("do not match")


def test_a_deleted_agent_is_signed_out_at_once(page: Page, site: Site) -> None:
    agent = signed_in_agent(page, site)
    site.api.ok(site.api.post(f"/v2/agency/teammates/delete/{agent['id']}"), "teammate")
    page.reload()
    page.wait_for_url(re.compile(r"/console/sign-in"))

"""Pages in a real browser: where Chromium is, where screenshots go, a served hookdesk (`Site`)
and a teammate signed in through an invite (the fixtures are in tests/web/conftest.py)."""

from dataclasses import dataclass
from pathlib import Path

from fastapi.testclient import TestClient
from playwright.sync_api import Page

from tests.support.api import Api, new_account
from tests.support.pages import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).parents[2] / "test-output" / "screenshots"


@dataclass(frozen=True)
class Site:
    """A served hookdesk: its base URL and an API client of a fresh account on it."""

    url: str
    api: Api
    app_client: TestClient

    def new_account(self, name: str) -> Api:
        return new_account(self.app_client, self.api.db, name)


def invite_link(api: Api, teammate_id: str) -> str:
    return api.ok(api.post(f"/v2/agency/teammates/invite/{teammate_id}"), "url")


def signed_in_agent(page: Page, site: Site, **teammate: str) -> dict[str, str]:
    """A new teammate of the site's account who accepted an invite in this page's browser; an
    admin unless `role` says otherwise."""
    agent = site.api.teammate(**{"role": "admin", **teammate})
    page.goto(invite_link(site.api, agent["id"]))
    page.get_by_label("New password").fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Set password and sign in").click()
    page.wait_for_url(f"{site.url}/console")
    return agent

"""Pages in a real browser: a real `uvicorn` serving hookdesk on 127.0.0.1, Debian's Chromium
driven by Playwright, and the API beside them for each test's own setup and checks.

Every test leaves a screenshot of its last page in `test-output/screenshots/`.
"""

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, sync_playwright

from hookdesk.app import create_app
from hookdesk.config import Settings
from hookdesk.db import Database
from tests.support.api import new_account
from tests.support.browser import CHROMIUM, SCREENSHOTS, Site
from tests.support.pages import Admin, signed_in_admin
from tests.support.serving import served


@pytest.fixture
def site(live_settings: Settings, db: Database) -> Iterator[Site]:
    def make_app(url: str) -> FastAPI:
        settings = live_settings.model_copy(update={"public_url": url})
        return create_app(settings, db, run_dispatcher=True)

    with served(make_app) as (url, app):
        # Not entered: API calls go straight to the app uvicorn serves, without a second lifespan.
        app_client = TestClient(app)
        yield Site(url=url, api=new_account(app_client, db, "Web Agency"), app_client=app_client)


# Per module, not per session: while Playwright's sync API runs, the main thread counts as inside
# an event loop, and the suite's other tests need to start their own.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (scripts/install-chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context()
    context.set_default_timeout(15_000)
    opened = context.new_page()
    yield opened
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^\w.-]+", "_", request.node.nodeid.split("::", 1)[-1])
    opened.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
    context.close()


@pytest.fixture
def admin(live_settings: Settings, db: Database) -> Iterator[Admin]:
    """An admin of a fresh account over plain HTTP, in development mode (local endpoint URLs),
    without a dispatcher: deliveries stay as the test leaves them."""
    with TestClient(create_app(live_settings, db)) as client:
        yield signed_in_admin(new_account(client, db, "Dashboard Agency"))

"""The console and the portal wear the account's brand with readable buttons and links, and its
logo (or its first letter) as their favicon."""

import re

from hookdesk.accounts.brand import contrast_ratio
from tests.support.api import Api
from tests.support.pages import agent_session


def brand_variables(html: str) -> dict[str, str]:
    style = re.search(r"<style>:root \{([^}]*)\}</style>", html)
    assert style is not None, html
    pairs = (part.split(":") for part in style.group(1).split(";") if part.strip())
    return {name.strip(): value.strip() for name, value in pairs}


def test_a_yellow_brand_gets_dark_button_text_and_a_darker_link(api: Api) -> None:
    api.ok(api.post("/v2/agency/brand/update", {"primary_color": "#FFD400"}), "brand")
    headers, _ = agent_session(api)
    client = api.client()
    link = api.ok(api.post(f"/v2/agency/clients/portal-session/{client['id']}"), "url")
    for page in (api.http.get("/console", headers=headers), api.http.get(link)):
        assert page.status_code == 200
        shown = brand_variables(page.text)
        assert shown["--brand"] == "#ffd400"
        assert shown["--on-brand"] == "#000000"
        assert contrast_ratio(shown["--brand-link"], "#ffffff") >= 4.5
        assert '<link rel="icon" href="data:image/svg+xml,' in page.text


def test_a_dark_brand_keeps_white_text_and_the_logo_is_the_favicon(api: Api) -> None:
    logo = "https://cdn.example.com/acme.png"
    body = {"primary_color": "#1f3a8a", "logo_url": logo}
    api.ok(api.post("/v2/agency/brand/update", body), "brand")
    headers, _ = agent_session(api)
    page = api.http.get("/console", headers=headers)
    shown = brand_variables(page.text)
    assert shown == {"--brand": "#1f3a8a", "--on-brand": "#ffffff", "--brand-link": "#1f3a8a"}
    assert f'<link rel="icon" href="{logo}">' in page.text

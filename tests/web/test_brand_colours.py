"""The console and the portal wear the account's brand with readable buttons and links, and its
logo (or its first letter) as their favicon."""

import re

from hookdesk.accounts.brand import contrast_ratio
from tests.support.api import Api
from tests.support.pages import Console, agent_session


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


def test_the_preview_follows_what_is_typed(api: Api) -> None:
    admin = Console(api, "admin")
    bare = admin.get("/console/settings/brand/preview?primary_color=FFD400")
    assert "--brand: #ffd400; --on-brand: #000000;" in bare.text
    assert "White text is hard to read on #ffd400" in bare.text
    dark = admin.get("/console/settings/brand/preview?primary_color=%231f3a8a").text
    assert "--on-brand: #ffffff;" in dark and "White text reads well on #1f3a8a" in dark
    unfinished = admin.get("/console/settings/brand/preview?primary_color=%23ffd4").text
    assert (
        "--brand" not in unfinished and "The preview shows once the colour reads like" in unfinished
    )


def test_a_refused_colour_is_said_in_plain_words_and_kept_as_typed(api: Api) -> None:
    admin = Console(api, "admin")
    typed = {"display_name": "Acme Care", "primary_color": "yellowish", "logo_url": ""}
    refused = admin.post("/console/settings/brand", typed)
    assert refused.status_code == 400
    assert "Write the colour as # and six digits or letters a to f" in refused.text
    assert 'value="yellowish"' in refused.text and 'value="Acme Care"' in refused.text
    assert api.ok(api.get("/v2/agency/brand/retrieve"), "brand")["display_name"] == "Agency One"
    saved = admin.post("/console/settings/brand", typed | {"primary_color": "1F3A8A"})
    assert saved.status_code == 303
    shown = api.ok(api.get("/v2/agency/brand/retrieve"), "brand")
    assert shown["primary_color"] == "#1f3a8a" and shown["display_name"] == "Acme Care"

"""Every settings page and form, over plain HTTP: an admin gets the page, or after a post a
redirect (303) and a message shown once; an agent gets the 403 page, and nothing changes."""

import pytest
from fastapi.routing import APIRoute

from hookdesk.web.site import ROUTERS
from tests.support.api import Api
from tests.support.pages import Console, followed

REFUSED = "Ask one of them to make you an admin"
PLACEHOLDERS = {"category": "{category_id}", "teammate": "{teammate_id}", "key": "{api_key_id}"}


@pytest.fixture
def things(api: Api) -> dict[str, str]:
    """One of everything the settings pages change."""
    category = api.category(title="Billing")
    teammate = api.teammate(name="Tim Target")
    key = api.ok(api.post("/v2/agency/api-keys/create", {"name": "Spare"}), "api_key")
    return {"category": category["id"], "teammate": teammate["id"], "key": key["id"]}


def pages(t: dict[str, str]) -> list[str]:
    return [
        "/console/settings",
        "/console/settings/brand/preview?primary_color=%23ffd400",
        "/console/settings/categories",
        f"/console/settings/categories/{t['category']}",
        f"/console/settings/categories/{t['category']}/delete",
        "/console/settings/teammates",
        f"/console/settings/teammates/{t['teammate']}/delete",
        "/console/settings/api-keys",
        "/console/settings/portal",
    ]


def posts(t: dict[str, str]) -> list[tuple[str, dict[str, str]]]:
    category = {"title": "Refunds", "language": "nl", "subcategories": "Card\nBank"}
    person = f"/console/settings/teammates/{t['teammate']}"
    return [
        ("/console/settings/brand", {"display_name": "Hijacked", "primary_color": "#ffd400"}),
        ("/console/settings/categories", category),
        (f"/console/settings/categories/{t['category']}", category),
        (
            "/console/settings/teammates",
            {"name": "Eve", "email": "eve@example.com", "role": "agent"},
        ),
        (f"{person}/invite", {}),
        (f"{person}/role", {"role": "admin"}),
        (f"{person}/disable", {}),
        (f"{person}/enable", {}),
        ("/console/settings/api-keys", {"key_name": "Mine"}),
        ("/console/settings/portal", {"session_length": "28800"}),
        (f"/console/settings/api-keys/{t['key']}/revoke", {}),
        (f"/console/settings/categories/{t['category']}/delete", {}),
        (f"{person}/delete", {}),
    ]


def test_every_settings_route_is_checked_here(things: dict[str, str]) -> None:
    checked = {path.split("?")[0] for path in pages(things)} | {p for p, _ in posts(things)}
    for name, placeholder in PLACEHOLDERS.items():
        checked = {path.replace(things[name], placeholder) for path in checked}
    routes = {
        route.path
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute) and route.path.startswith("/console/settings")
    }
    assert routes == checked


def test_an_agent_gets_the_403_page_on_every_settings_page_and_post(
    api: Api, things: dict[str, str]
) -> None:
    agent = Console(api, "agent")
    for path in pages(things):
        refused = agent.get(path)
        assert refused.status_code == 403, path
        assert REFUSED in refused.text, path
    for path, data in posts(things):
        refused = agent.post(path, data)
        assert refused.status_code == 403, path
        assert REFUSED in refused.text, path
    assert api.ok(api.get("/v2/agency/brand/retrieve"), "brand")["display_name"] == "Agency One"
    categories = api.ok(api.get("/v2/agency/ticket-categories/list"), "ticket_categories")
    assert [category["title"] for category in categories] == ["Billing"]
    settings = api.ok(api.get("/v2/agency/portal/retrieve"), "portal_settings")
    assert settings["session_length"] == 7_200
    team = api.ok(api.get("/v2/agency/teammates/list"), "teammates")
    assert {t["name"]: t["role"] for t in team}["Tim Target"] == "agent"


def test_an_admin_opens_every_settings_page_and_each_post_redirects_with_a_message(
    api: Api, things: dict[str, str]
) -> None:
    admin = Console(api, "admin")
    for path in pages(things):
        answer = admin.get(path)
        assert answer.status_code == 200, path
        assert "hookdesk" not in answer.text.split("</header>", 1)[-1].lower()
    said = {path: followed(admin, admin.post(path, data)).text for path, data in posts(things)}
    assert "Brand saved. White text is hard to read on #ffd400" in said["/console/settings/brand"]
    assert "Category Refunds created." in said["/console/settings/categories"]
    assert "Eve added: invite them to sign in." in said["/console/settings/teammates"]
    key_page = said["/console/settings/api-keys"]
    assert '<code id="flash-secret">hk_' in key_page
    assert 'data-copy="flash-secret"' in key_page
    assert api.ok(api.get("/v2/agency/brand/retrieve"), "brand")["primary_color"] == "#ffd400"
    assert "stay signed in for 8 hours" in said["/console/settings/portal"]
    settings = api.ok(api.get("/v2/agency/portal/retrieve"), "portal_settings")
    assert settings["session_length"] == 28_800


def test_a_message_is_shown_once(api: Api) -> None:
    admin = Console(api, "admin")
    created = admin.post("/console/settings/api-keys", {"key_name": "Once"})
    first = followed(admin, created)
    assert "Key Once created." in first.text and 'id="flash-secret"' in first.text
    assert 'flash=""' in first.headers["set-cookie"]  # dropped
    again = admin.get("/console/settings/api-keys")  # a reload, without the dropped cookie
    assert "Key Once created." not in again.text and 'id="flash-secret"' not in again.text
    forged = admin.get("/console/settings/api-keys", flash="not-sealed")
    assert forged.status_code == 200 and "flash-secret" not in forged.text


def test_the_last_active_key_is_kept_with_a_reason_on_the_page(api: Api) -> None:
    admin = Console(api, "admin")
    [key] = api.ok(api.get("/v2/agency/api-keys/list", page=1, per_page=10), "api_keys")
    refused = admin.post(f"/console/settings/api-keys/{key['id']}/revoke")
    assert refused.status_code == 400
    assert (
        'class="error form-error" role="alert"' in refused.text and "Revoke Default" in refused.text
    )
    assert api.get("/v2/agency/api-keys/list", page=1, per_page=10).status_code == 200


def test_the_portal_tab_shows_the_length_set_and_refuses_another(api: Api) -> None:
    api.ok(api.post("/v2/agency/portal/update", {"session_length": 5400}), "portal_settings")
    admin = Console(api, "admin")
    page = admin.get("/console/settings/portal")
    assert '<option value="5400" selected>5400 seconds</option>' in page.text
    refused = followed(admin, admin.post("/console/settings/portal", {"session_length": "60"}))
    assert "Choose a session length." in refused.text
    assert (
        api.ok(api.get("/v2/agency/portal/retrieve"), "portal_settings")["session_length"] == 5400
    )

"""The API side of the pages: invite links, portal links, the brand."""

import time

from sqlalchemy import update

from hookdesk.access import links, signin
from hookdesk.models.access import OneTimeLink
from tests.support.api import Api


def _token(url: str) -> str:
    return url.rsplit("/", 1)[1]


def test_an_invite_is_a_one_time_console_link(api: Api) -> None:
    teammate = api.teammate()
    before = int(time.time())
    answer = api.post(f"/v2/agency/teammates/invite/{teammate['id']}").json()
    assert set(answer) == {"status", "url", "expires_at"}
    assert answer["url"].startswith("http://testserver/console/invite/")
    assert before + 7 * 86_400 <= answer["expires_at"] <= int(time.time()) + 7 * 86_400
    signin.accept_invite(api.db, _token(answer["url"]), "a long password")
    with api.db.write() as session:
        assert links.consume(session, links.Purpose.INVITE, _token(answer["url"])) is None


def test_a_portal_link_is_short_lived_and_single_use(api: Api) -> None:
    client = api.client()
    answer = api.post(f"/v2/agency/clients/portal-session/{client['id']}").json()
    assert answer["url"].startswith("http://testserver/portal/enter/")
    assert answer["expires_at"] <= int(time.time()) + 15 * 60
    token = _token(answer["url"])
    with api.db.write() as session:
        assert signin.enter_portal(session, token).subject_id == client["id"]
    with api.db.write() as session:
        assert links.consume(session, links.Purpose.PORTAL, token) is None


def test_an_expired_link_cannot_be_used(api: Api) -> None:
    answer = api.post(f"/v2/agency/clients/portal-session/{api.client()['id']}").json()
    with api.db.write() as session:
        session.execute(update(OneTimeLink).values(expires_at=int(time.time()) - 1))
    with api.db.write() as session:
        assert links.peek(session, links.Purpose.PORTAL, _token(answer["url"])) is None
        assert links.consume(session, links.Purpose.PORTAL, _token(answer["url"])) is None


def test_links_are_only_for_the_accounts_own_people(api: Api, other_api: Api) -> None:
    theirs_client, theirs_teammate = other_api.client(), other_api.teammate()
    for path in (
        f"/v2/agency/clients/portal-session/{theirs_client['id']}",
        f"/v2/agency/teammates/invite/{theirs_teammate['id']}",
        "/v2/agency/teammates/invite/not-a-uuid",
    ):
        answer = api.post(path)
        assert answer.status_code == 404, path
        assert answer.json()["error_code"] == 3001


def test_the_brand_defaults_to_the_account_name_and_updates_partly(api: Api) -> None:
    assert api.ok(api.get("/v2/agency/brand/retrieve"), "brand") == {
        "object": "brand",
        "display_name": "Agency One",
        "logo_url": None,
        "primary_color": "#2f54c6",
    }
    changed = api.ok(
        api.post("/v2/agency/brand/update", {"display_name": "Acme", "primary_color": "#AA3300"}),
        "brand",
    )
    assert changed["display_name"] == "Acme" and changed["primary_color"] == "#aa3300"
    logo = api.ok(
        api.post("/v2/agency/brand/update", {"logo_url": "https://cdn.example.com/l.png"}), "brand"
    )
    assert logo["display_name"] == "Acme" and logo["logo_url"] == "https://cdn.example.com/l.png"
    cleared = api.ok(api.post("/v2/agency/brand/update", {"display_name": None}), "brand")
    assert cleared["display_name"] == "Agency One"


def test_a_bad_brand_is_refused_naming_the_field(api: Api) -> None:
    for body, field in (
        ({"primary_color": "red; background: url(x)"}, "primary_color"),
        ({"logo_url": "javascript:alert(1)"}, "logo_url"),
        ({"colour": "#000000"}, "colour"),
    ):
        answer = api.post("/v2/agency/brand/update", body)
        assert answer.status_code == 400
        assert answer.json()["error"].startswith(field), answer.json()

"""A client's portal session: as long as the agency chose, and ended by signing out."""

import re

from hookdesk.access import signin
from hookdesk.models.access import WebSession
from hookdesk.shared.clock import now
from tests.support.api import Api
from tests.support.pages import anonymous_post, client_session


def test_the_session_length_is_two_hours_until_the_agency_sets_one(api: Api) -> None:
    settings = api.ok(api.get("/v2/agency/portal/retrieve"), "portal_settings")
    assert settings == {"object": "portal_settings", "session_length": 7200}
    changed = api.post("/v2/agency/portal/update", {"session_length": 28_800})
    assert api.ok(changed, "portal_settings")["session_length"] == 28_800
    assert (
        api.ok(api.get("/v2/agency/portal/retrieve"), "portal_settings")["session_length"] == 28_800
    )
    back = api.post("/v2/agency/portal/update", {"session_length": None})
    assert api.ok(back, "portal_settings")["session_length"] == 7200


def test_a_session_length_out_of_bounds_is_refused_with_its_field(api: Api) -> None:
    for wrong in (60, 31 * 86_400, "8h", 3600.5):
        answer = api.post("/v2/agency/portal/update", {"session_length": wrong})
        assert answer.status_code == 400, wrong
        assert answer.json()["error"].startswith("session_length: "), answer.text
    unknown = api.post("/v2/agency/portal/update", {"session_lenght": 3600})
    assert unknown.status_code == 400


def test_a_client_entering_gets_the_agencys_session_length(api: Api) -> None:
    api.ok(api.post("/v2/agency/portal/update", {"session_length": 600}), "portal_settings")
    client = api.client()
    link = api.ok(api.post(f"/v2/agency/clients/portal-session/{client['id']}"), "url")
    page = api.http.get(link)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    entered = api.http.post(
        link,
        data={"csrf_token": token.group(1)},
        headers={"Cookie": f"form_token={token.group(1)}"},
        follow_redirects=False,
    )
    assert entered.status_code == 303
    cookie = entered.headers["set-cookie"]
    assert cookie.startswith("client_session=")
    assert re.search(r"Max-Age=(59\d|600);", cookie), cookie
    with api.db.read() as session:
        started = session.query(WebSession).filter_by(subject_id=client["id"]).one()
        assert started.expires_at - started.created_at == 600


def test_another_accounts_length_does_not_change_a_clients(api: Api, other_api: Api) -> None:
    other_api.ok(
        other_api.post("/v2/agency/portal/update", {"session_length": 600}), "portal_settings"
    )
    client = api.client()
    link = api.ok(api.post(f"/v2/agency/clients/portal-session/{client['id']}"), "url")
    with api.db.write() as session:
        entered = signin.enter_portal(session, link.rsplit("/", 1)[1])
    assert entered.started.expires_at - now() >= 7199


def test_signing_out_ends_the_session_and_shows_the_way_back_in(api: Api) -> None:
    headers, csrf = client_session(api, api.client()["id"])
    assert "Sign out" in api.http.get("/portal", headers=headers).text
    out = api.http.post(
        "/portal/sign-out", data={"csrf_token": csrf}, headers=headers, follow_redirects=False
    )
    assert out.status_code == 303
    assert out.headers["location"] == f"/portal/sign-in/{api.account_id}?signed_out=1&lang=en"
    assert out.headers["set-cookie"].startswith('client_session=""; ')
    assert api.http.get("/portal", headers=headers).status_code == 401  # ended on the server
    landing = api.http.get(out.headers["location"])
    assert "You are signed out." in landing.text
    assert "Email me a link" in landing.text


def test_signing_out_needs_the_sessions_form_token(api: Api) -> None:
    headers, _ = client_session(api, api.client()["id"])
    refused = api.http.post("/portal/sign-out", data={"csrf_token": "x"}, headers=headers)
    assert refused.status_code == 403
    assert api.http.get("/portal", headers=headers).status_code == 200
    anonymous = anonymous_post(api.http, "/portal/sign-out", {})
    assert anonymous.status_code == 401

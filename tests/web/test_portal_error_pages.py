"""The portal's error pages wear the agency's brand, lead back, and show no ids: not found,
an expired or used link, a session that ended, a server error."""

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from hookdesk.app import create_app
from hookdesk.config import Settings
from hookdesk.db import Database
from tests.support.api import Api, new_account
from tests.support.pages import client_session

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
ELSEWHERE = "3b9f2a51-0c4d-4e8a-9f6b-1d2e3c4b5a69"


def ids_shown(html: str, allowed: set[str]) -> set[str]:
    """The UUIDs in a page outside links and attributes the client never reads."""
    text = re.sub(r"<[^>]+>", " ", html)
    return set(UUID.findall(text)) - allowed


@pytest.fixture
def branded(api: Api) -> Api:
    api.ok(api.post("/v2/agency/brand/update", {"display_name": "Acme Help"}), "brand")
    return api


def test_a_ticket_not_found_wears_the_brand_and_leads_back_without_its_id(branded: Api) -> None:
    headers, _ = client_session(branded, branded.client()["id"])
    answer = branded.http.get(f"/portal/tickets/{ELSEWHERE}", headers=headers)
    assert answer.status_code == 404
    assert "<span>Acme Help</span>" in answer.text
    assert "This page does not exist, or it is not yours to see." in answer.text
    assert '<a href="/portal">Back to your tickets</a>' in answer.text
    assert ELSEWHERE not in answer.text
    assert ids_shown(answer.text, set()) == set()


def test_a_used_link_wears_the_brand_and_offers_a_new_one(branded: Api) -> None:
    client = branded.client()
    link = branded.ok(branded.post(f"/v2/agency/clients/portal-session/{client['id']}"), "url")
    token = re.search(r'name="csrf_token" value="([^"]+)"', branded.http.get(link).text)
    assert token is not None
    form = {"csrf_token": token.group(1)}
    cookie = {"Cookie": f"form_token={token.group(1)}"}
    first = branded.http.post(link, data=form, headers=cookie, follow_redirects=False)
    assert first.status_code == 303
    for again in (branded.http.get(link), branded.http.post(link, data=form, headers=cookie)):
        assert again.status_code == 400
        assert "This link cannot be used" in again.text
        assert "<span>Acme Help</span>" in again.text
        assert f'href="/portal/sign-in/{branded.account_id}">Email me a new link' in again.text
        assert ids_shown(again.text, set()) == set()


def test_a_session_that_ended_still_shows_the_agency_it_was_with(branded: Api) -> None:
    headers, csrf = client_session(branded, branded.client()["id"])
    remembered = {"Cookie": f"{headers['Cookie']}; portal_agency={branded.account_id}"}
    branded.http.post("/portal/sign-out", data={"csrf_token": csrf}, headers=headers)
    answer = branded.http.get("/portal", headers=remembered)
    assert answer.status_code == 401
    assert "<span>Acme Help</span>" in answer.text
    assert f'href="/portal/sign-in/{branded.account_id}">Email me a new link' in answer.text


@pytest.mark.parametrize("agency", ["not-a-uuid", ELSEWHERE])
def test_an_unknown_agency_gives_the_neutral_page(api: Api, agency: str) -> None:
    answer = api.http.get("/portal", headers={"Cookie": f"portal_agency={agency}"})
    assert answer.status_code == 401
    assert "Support portal" in answer.text
    assert "Email me a new link" not in answer.text


@pytest.fixture
def with_a_bug(settings: Settings, db: Database) -> Iterator[tuple[TestClient, Api]]:
    app = create_app(settings, db)

    def broken() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/portal/broken", broken)
    with TestClient(app, raise_server_exceptions=False) as http:
        api = new_account(http, db, "Bug Agency")
        api.ok(api.post("/v2/agency/brand/update", {"display_name": "Acme Help"}), "brand")
        yield http, api


def test_a_server_error_wears_the_brand_and_leads_back(with_a_bug: tuple[TestClient, Api]) -> None:
    http, api = with_a_bug
    headers, _ = client_session(api, api.client()["id"])
    answer = http.get("/portal/broken", headers=headers)
    assert answer.status_code == 500
    assert "<span>Acme Help</span>" in answer.text
    assert "Something went wrong on our side." in answer.text
    assert '<a href="/portal">Back to your tickets</a>' in answer.text

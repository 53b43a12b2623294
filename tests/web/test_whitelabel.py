"""Clients never see the product's name: not on the portal's pages, in its headers or cookies,
nor on its error pages (an internal error's included)."""

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from hookdesk.app import create_app
from hookdesk.config import Settings
from hookdesk.db import Database
from tests.support.api import Api, new_account


def visible(answer: Response) -> str:
    """All a client's browser gets: the status line's reason aside, headers and body."""
    headers = "\n".join(f"{name}: {value}" for name, value in answer.headers.multi_items())
    return f"{headers}\n{answer.text}".lower()


def csrf_of(answer: Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', answer.text)
    assert found is not None, answer.text
    return found.group(1)


@pytest.fixture
def portal(settings: Settings, db: Database) -> Iterator[tuple[TestClient, Api]]:
    """Development mode, so that the test client sends the (then not Secure) cookies back."""
    app = create_app(settings.model_copy(update={"dev": True}), db)

    def broken() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/portal/broken", broken)
    with TestClient(app, raise_server_exceptions=False) as http:
        yield http, new_account(http, db, "Acme Agency")


def test_the_portal_never_shows_the_products_name(portal: tuple[TestClient, Api]) -> None:
    http, api = portal
    client = api.client()
    ticket = api.ticket(client_id=client["id"])
    link = api.ok(api.post(f"/v2/agency/clients/portal-session/{client['id']}"), "url")
    path = link.removeprefix("http://testserver")
    seen = [link_page := http.get(path)]
    entered = http.post(path, data={"csrf_token": csrf_of(link_page)}, follow_redirects=False)
    seen.append(entered)
    assert set(http.cookies.keys()) == {"form_token", "client_session", "portal_agency"}
    seen.append(listing := http.get("/portal"))
    assert ticket["title"] in listing.text
    seen.append(form := http.get("/portal/tickets/new"))
    seen.append(http.get(f"/portal/tickets/{ticket['id']}"))
    bad = http.post("/portal/tickets/new", data={"csrf_token": csrf_of(form), "title": ""})
    seen += [bad, http.get("/portal/tickets/nope"), http.get("/portal/nowhere")]
    seen += [http.get(path), http.get("/static/pages.css")]  # a used link; the stylesheet
    ask = http.get(f"/portal/sign-in/{api.account_id}")  # `Email me a link`
    asked = {"csrf_token": csrf_of(ask), "email": client["email"]}
    seen += [ask, http.post(f"/portal/sign-in/{api.account_id}", data=asked)]
    statuses = [200, 303, 200, 200, 200, 400, 404, 404, 400, 200, 200, 200]
    assert [answer.status_code for answer in seen] == statuses
    for answer in seen:
        assert "hookdesk" not in visible(answer), answer.url


def test_an_internal_error_in_the_portal_names_a_reference_not_the_product(
    portal: tuple[TestClient, Api],
) -> None:
    http, _ = portal
    answer = http.get("/portal/broken")
    assert answer.status_code == 500
    assert answer.headers["content-type"].startswith("text/html")
    assert f"reference {answer.headers['x-request-id']}" in answer.text
    assert "hookdesk" not in visible(answer)
    http.cookies.clear()
    signed_out = http.get("/portal")
    assert signed_out.status_code == 401
    assert "hookdesk" not in visible(signed_out)

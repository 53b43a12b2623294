"""One error contract: the pages show every failure as an HTML page (the database away
included), a refusal about a field beside that field, and the API keeps its JSON envelope."""

import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from hookdesk.access import signin
from hookdesk.app import create_app
from hookdesk.config import Settings
from hookdesk.db import Database
from tests.support.api import Api

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def client_session(api: Api, client_id: str) -> tuple[dict[str, str], str]:
    """The client's portal cookie header and CSRF token."""
    url = api.ok(api.post(f"/v2/agency/clients/portal-session/{client_id}"), "url")
    with api.db.write() as session:
        entered = signin.enter_portal(session, url.rsplit("/", 1)[1])
    headers = {"Cookie": f"client_session={entered.started.token}"}
    csrf = re.search(
        r'name="csrf_token" value="([^"]+)"',
        api.http.get("/portal/tickets/new", headers=headers).text,
    )
    assert csrf is not None
    return headers, csrf.group(1)


def unreachable(db: Database, folder: Path) -> str:
    """A URL of the same kind of database as `db`, where no database can be reached."""
    if db.is_sqlite:
        return f"sqlite:///{folder / 'unmounted' / 'hookdesk.db'}"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return make_url(db.url).set(host="127.0.0.1", port=port).render_as_string(hide_password=False)


@pytest.fixture
def database_away(settings: Settings, db: Database, tmp_path: Path) -> Iterator[TestClient]:
    away = Database(unreachable(db, tmp_path))
    try:
        with TestClient(create_app(settings, away), raise_server_exceptions=False) as http:
            yield http
    finally:
        away.dispose()


@pytest.mark.parametrize(
    "path, cookie",
    [("/console", "agent_session"), ("/portal", "client_session")],
)
def test_a_page_with_the_database_away_answers_an_html_503(
    database_away: TestClient, path: str, cookie: str
) -> None:
    answer = database_away.get(path, headers={"Cookie": f"{cookie}=a-session"})
    assert answer.status_code == 503
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["retry-after"] == "1"
    assert "The database is not reachable right now" in answer.text
    if path == "/portal":
        assert "hookdesk" not in answer.text.lower()


def test_the_api_with_the_database_away_answers_its_envelope(
    database_away: TestClient, api: Api
) -> None:
    answer = database_away.get("/v2/agency/clients/list", headers=api.headers)
    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "1"
    assert answer.content == (
        b'{"status":503,"error":"The database is not reachable right now: '
        b'try again in a moment.","error_code":9001}'
    )


def test_a_refusal_about_a_field_keeps_the_apis_envelope(api: Api) -> None:
    client = api.client()
    unknown = "7d1e6b8c-3f4a-4c55-9a4e-2b7f0c9d1e21"
    answer = api.post(
        "/v2/agency/tickets/create",
        {"client_id": client["id"], "title": "Help", "description": "Hi", "category": unknown},
    )
    assert answer.status_code == 400
    assert answer.content == (
        b'{"status":400,"error":"category: no ticket category with id '
        b'\'7d1e6b8c-3f4a-4c55-9a4e-2b7f0c9d1e21\'.","error_code":1004}'
    )


def _field_error(html: str, field: str) -> str:
    found = re.search(rf'<p id="e-{field}" class="error" role="alert">([^<]*)</p>', html)
    assert found is not None, html
    return found.group(1)


def test_a_services_refusal_shows_beside_the_forms_field(api: Api) -> None:
    api.category()  # the form asks for a topic once there is one
    headers, csrf = client_session(api, api.client()["id"])
    unknown = "7d1e6b8c-3f4a-4c55-9a4e-2b7f0c9d1e21"  # a topic no longer offered
    form = {"title": "Help", "topic": unknown, "description": "Hi", "csrf_token": csrf}
    answer = api.http.post("/portal/tickets/new", data=form, headers=headers)
    assert answer.status_code == 400
    expected = f"No ticket category with id &#39;{unknown}&#39;."
    assert _field_error(answer.text, "topic") == expected


def test_a_refused_file_shows_beside_the_files_field(api: Api) -> None:
    client = api.client()
    ticket = api.ticket(client_id=client["id"])
    headers, csrf = client_session(api, client["id"])
    answer = api.http.post(
        f"/portal/tickets/{ticket['id']}/reply",
        data={"reply": "Here it is.", "csrf_token": csrf},
        files={"attachments": ("run.sh", PNG, "text/x-sh")},
        headers=headers,
    )
    assert answer.status_code == 400
    assert _field_error(answer.text, "attachments").startswith("run.sh: type &#39;.sh&#39;")


def test_the_portals_error_page_wears_the_agencys_brand(api: Api) -> None:
    api.category()
    headers, _ = client_session(api, api.client()["id"])
    answer = api.http.get("/portal/tickets/3b9f2a51-0c4d-4e8a-9f6b-1d2e3c4b5a69", headers=headers)
    assert answer.status_code == 404
    assert "<span>Agency One</span>" in answer.text
    signed_out = api.http.get("/portal/tickets/3b9f2a51-0c4d-4e8a-9f6b-1d2e3c4b5a69")
    assert signed_out.status_code == 401
    assert "Agency One" not in signed_out.text and "Support portal" in signed_out.text

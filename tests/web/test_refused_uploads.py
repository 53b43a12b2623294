"""A reply with files that is refused after the files were stored (the ticket is not the
sender's) leaves no file on disk and no asset, in the console and in the portal."""

import re
from pathlib import Path

from hookdesk.access import signin
from hookdesk.config import Settings
from hookdesk.models.assets import Asset
from hookdesk.models.tickets import Reply
from tests.support.api import Api
from tests.support.pages import agent_session

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _files(settings: Settings) -> list[Path]:
    root = settings.assets_dir
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def _client_session(api: Api, client_id: str) -> tuple[dict[str, str], str]:
    url = api.ok(api.post(f"/v2/agency/clients/portal-session/{client_id}"), "url")
    with api.db.write() as session:
        entered = signin.enter_portal(session, url.rsplit("/", 1)[1])
    headers = {"Cookie": f"client_session={entered.started.token}"}
    page = api.http.get("/portal/tickets/new", headers=headers)
    assert page.status_code == 200
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    return headers, csrf.group(1)


def _reply_with_a_file(api: Api, path: str, headers: dict[str, str], csrf: str) -> int:
    answer = api.http.post(
        path,
        data={"reply": "Here is the file.", "csrf_token": csrf},
        files={"attachments": ("screenshot.png", PNG, "image/png")},
        headers=headers,
        follow_redirects=False,
    )
    return answer.status_code


def test_a_console_reply_to_another_accounts_ticket_leaves_no_file(
    api: Api, other_api: Api, settings: Settings
) -> None:
    headers, csrf = agent_session(api)
    theirs = other_api.ticket()
    path = f"/console/tickets/{theirs['id']}/reply"
    assert _reply_with_a_file(api, path, headers, csrf) == 404
    assert _files(settings) == []
    assert api.count(Asset) == other_api.count(Asset) == 0
    assert other_api.count(Reply) == 1
    own = api.ticket()  # the same reply to a ticket of the account keeps its file
    assert _reply_with_a_file(api, f"/console/tickets/{own['id']}/reply", headers, csrf) == 303
    assert len(_files(settings)) == 1 and api.count(Asset) == 1


def test_a_portal_reply_to_another_clients_ticket_leaves_no_file(
    api: Api, settings: Settings
) -> None:
    client, other = api.client(), api.client()
    category = api.category()
    theirs = api.ticket(client_id=other["id"], category=category["id"])
    headers, csrf = _client_session(api, client["id"])
    path = f"/portal/tickets/{theirs['id']}/reply"
    assert _reply_with_a_file(api, path, headers, csrf) == 404
    assert _files(settings) == []
    assert api.count(Asset) == 0 and api.count(Reply) == 1
    own = api.ticket(client_id=client["id"], category=category["id"])
    assert _reply_with_a_file(api, f"/portal/tickets/{own['id']}/reply", headers, csrf) == 303
    assert len(_files(settings)) == 1 and api.count(Asset) == 1

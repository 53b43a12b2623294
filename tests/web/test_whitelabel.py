"""Clients never see the product's name: not on the portal's pages, in its headers or cookies,
nor on its error pages (an internal error's included), its stylesheet and scripts, nor in the
emails they are sent."""

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select

from hookdesk.app import create_app
from hookdesk.config import Settings
from hookdesk.db import Database
from hookdesk.mail.prepare import prepare
from hookdesk.models.mail import MailMessage
from hookdesk.shared.secretbox import SecretBox
from hookdesk.web.templating import STATIC
from tests.support.api import Api, new_account

CLIENT_KINDS = ("ticket_opened", "agent_replied", "ticket_resolved", "portal_link")


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


def test_every_page_header_and_email_a_client_receives_is_free_of_the_products_name(
    portal: tuple[TestClient, Api], settings: Settings
) -> None:
    """A crawl of the portal as a client goes through it: the link, the list, a new ticket, a
    reply, resolving and rating, the live conversation, signing out; every error page on the
    way; each stylesheet and script the pages load; and every email the client is sent."""
    http, api = portal
    api.ok(
        api.post("/v2/agency/mail/update", {"from_address": "help@acme.example"}), "mail_settings"
    )
    api.category(title="Billing")
    client = api.client()
    link = api.ok(api.post(f"/v2/agency/clients/portal-session/{client['id']}"), "url")
    path = link.removeprefix("http://testserver")
    seen = [enter := http.get(path)]
    seen.append(http.post(path, data={"csrf_token": csrf_of(enter)}, follow_redirects=False))
    seen += [
        http.get("/portal"),
        http.get("/portal?page=2"),
        form := http.get("/portal/tickets/new"),
    ]
    csrf = csrf_of(form)
    topic = re.search(r'<option value="([0-9a-f-]{36})"', form.text)
    assert topic is not None
    new = {"csrf_token": csrf, "title": "Help", "topic": topic.group(1), "description": "Hi"}
    seen.append(opened := http.post("/portal/tickets/new", data=new, follow_redirects=False))
    ticket = opened.headers["location"]
    api.post(f"/v2/agency/tickets/reply/create/{ticket.rsplit('/', 1)[1]}", {"reply": "Hello"})
    seen += [http.get(ticket), http.get(f"{ticket}/conversation?version=old")]
    seen.append(http.post(f"{ticket}/reply", data={"csrf_token": csrf, "reply": ""}))
    seen.append(http.post(f"{ticket}/reply", data={"csrf_token": csrf, "reply": "Thanks"}))
    seen.append(http.post(f"{ticket}/resolve", data={"csrf_token": csrf}, follow_redirects=False))
    seen += [http.get(ticket), http.post(f"{ticket}/rating", data={"csrf_token": csrf})]
    rated = {"csrf_token": csrf, "rating": "good", "comment": "Fast"}
    seen += [http.post(f"{ticket}/rating", data=rated), http.get(ticket)]
    seen += [
        http.get("/portal/tickets/3b9f2a51-0c4d-4e8a-9f6b-1d2e3c4b5a69"),  # not theirs
        http.get("/portal/nowhere"),
        http.post(f"{ticket}/reply", data={"csrf_token": "forged", "reply": "x"}),  # 403
        http.get("/portal/broken"),  # a server error
        http.get(path),  # the used link
    ]
    seen.append(http.post("/portal/sign-out", data={"csrf_token": csrf}, follow_redirects=False))
    seen += [http.get(f"/portal/sign-in/{api.account_id}?signed_out=1"), http.get("/portal")]
    http.cookies.clear()
    seen += [http.get("/portal"), http.get(f"/portal/sign-in/{api.account_id}")]
    assets = {a for page in seen for a in re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text)}
    assert {"/static/pages.css"} < assets
    seen += [http.get(asset) for asset in sorted(assets)]

    statuses = [answer.status_code for answer in seen]
    assert {200, 204, 303, 400, 401, 403, 404, 500} >= set(statuses) >= {200, 303, 400, 401, 404}
    for answer in seen:
        assert "hookdesk" not in visible(answer), (answer.request.method, answer.url)
    emails = sent_to_the_client(api, settings)
    assert {"ticket_opened", "agent_replied", "ticket_resolved"} <= set(emails)
    for kind, message in emails.items():
        assert b"hookdesk" not in message.lower(), kind


def sent_to_the_client(api: Api, settings: Settings) -> dict[str, bytes]:
    """Each kind of email queued for the account's clients, as it goes on the wire."""
    assert settings.secret_key
    with api.db.write() as session:
        rows = session.scalars(
            select(MailMessage).where(
                MailMessage.account_id == api.account_id, MailMessage.kind.in_(CLIENT_KINDS)
            )
        ).all()
        box = SecretBox(settings.secret_key)
        return {row.kind: prepare(session, row, settings, box).message.as_bytes() for row in rows}


def test_the_static_folder_serves_what_pages_load_and_not_the_notes_beside_it(
    portal: tuple[TestClient, Api],
) -> None:
    http, _ = portal
    assert http.get("/static/pages.css").status_code == 200
    assert (STATIC / "README.md").exists()  # the note is there, and names the product
    note = http.get("/static/README.md")
    assert note.status_code == 404
    assert "hookdesk" not in note.text.lower()

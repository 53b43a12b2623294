"""The console's defences, over plain HTTP: CSRF, cookies, throttling, accounts kept apart."""

import re

from fastapi.testclient import TestClient
from httpx import Response

from hookdesk.access import signin
from hookdesk.models.tickets import Reply
from tests.support.api import Api
from tests.support.pages import PASSWORD, agent_session, anonymous_post


def test_a_form_post_without_its_csrf_token_is_refused(api: Api) -> None:
    headers, csrf = agent_session(api)
    ticket = api.ticket()
    path = f"/console/tickets/{ticket['id']}/reply"
    for token in (None, "forged"):
        data = {"reply": "Sneaky"} | ({"csrf_token": token} if token else {})
        refused = api.http.post(path, data=data, headers=headers, follow_redirects=False)
        assert refused.status_code == 403
        assert "This form has expired" in refused.text
        assert refused.headers["content-type"].startswith("text/html")
    assert api.count(Reply) == 1  # the description only
    accepted = api.http.post(
        path, data={"reply": "Fine", "csrf_token": csrf}, headers=headers, follow_redirects=False
    )
    assert accepted.status_code == 303
    assert api.count(Reply) == 2


def test_the_sign_in_form_needs_its_token_too(http: TestClient) -> None:
    http.cookies.clear()
    refused = http.post("/console/sign-in", data={"email": "a@example.com", "password": "x"})
    assert refused.status_code == 403


def test_session_cookies_are_httponly_samesite_and_secure_outside_development(api: Api) -> None:
    teammate = api.teammate()
    url = api.ok(api.post(f"/v2/agency/teammates/invite/{teammate['id']}"), "url")
    path = url.removeprefix("http://testserver")
    answer = anonymous_post(
        api.http, path, {"password": PASSWORD, "password_confirmation": PASSWORD}
    )
    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"].lower()
    assert cookie.startswith("agent_session=")
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" in cookie
    assert answer.headers["content-security-policy"].startswith("default-src 'self'")
    assert answer.headers["referrer-policy"] == "no-referrer"


def test_sign_in_is_throttled_per_email_after_five_failures(api: Api) -> None:
    teammate = api.teammate()
    url = api.ok(api.post(f"/v2/agency/teammates/invite/{teammate['id']}"), "url")
    signin.accept_invite(api.db, url.rsplit("/", 1)[1], PASSWORD)

    def attempt(email: str, password: str) -> Response:
        return anonymous_post(api.http, "/console/sign-in", {"email": email, "password": password})

    assert [attempt(teammate["email"], "wrong").status_code for _ in range(5)] == [400] * 5
    throttled = attempt(teammate["email"], PASSWORD)
    assert throttled.status_code == 429
    assert 0 < int(throttled.headers["retry-after"]) <= 15 * 60
    assert "Too many failed attempts" in throttled.text
    other = api.teammate()
    assert attempt(other["email"], "wrong").status_code == 400  # others are not held back


def test_an_agent_cannot_reach_another_accounts_ticket(api: Api, other_api: Api) -> None:
    theirs = other_api.ticket(title="Their secret ticket")
    headers, csrf = agent_session(api)
    page = api.http.get(f"/console/tickets/{theirs['id']}", headers=headers)
    assert page.status_code == 404
    assert "Their secret ticket" not in page.text
    reply = api.http.post(
        f"/console/tickets/{theirs['id']}/reply",
        data={"reply": "hello", "csrf_token": csrf},
        headers=headers,
    )
    assert reply.status_code == 404
    assert other_api.count(Reply) == 1
    inbox = api.http.get("/console", headers=headers, params={"view": "open"})
    assert "Their secret ticket" not in inbox.text


def test_signing_out_ends_the_session(api: Api) -> None:
    headers, csrf = agent_session(api)
    out = api.http.post(
        "/console/sign-out", data={"csrf_token": csrf}, headers=headers, follow_redirects=False
    )
    assert out.status_code == 303
    again = api.http.get("/console", headers=headers, follow_redirects=False)
    assert again.status_code == 303
    assert again.headers["location"] == "/console/sign-in?next=/console"


def test_sign_in_only_returns_to_a_console_page(api: Api) -> None:
    teammate = api.teammate()
    url = api.ok(api.post(f"/v2/agency/teammates/invite/{teammate['id']}"), "url")
    signin.accept_invite(api.db, url.rsplit("/", 1)[1], PASSWORD)
    for asked, landed in (
        ("//evil.example/", "/console"),
        ("/console?view=closed", "/console?view=closed"),
    ):
        data = {"email": teammate["email"], "password": PASSWORD, "next": asked}
        answer = anonymous_post(api.http, "/console/sign-in", data)
        assert answer.headers["location"] == landed


def test_bad_page_input_is_an_html_page_not_a_traceback(api: Api) -> None:
    headers, _ = agent_session(api)
    for path in (
        "/console?view=everything",
        "/console?page=0",
        "/console/tickets/nope",
        "/console/nowhere",
    ):
        answer = api.http.get(path, headers=headers)
        assert answer.status_code in {400, 404}, path
        assert answer.headers["content-type"].startswith("text/html"), path
        assert "Traceback" not in answer.text


def test_an_agent_who_is_not_an_admin_works_tickets_only(api: Api) -> None:
    headers, csrf = agent_session(api)  # a teammate's role is agent unless made admin
    inbox = api.http.get("/console", headers=headers)
    assert inbox.status_code == 200
    assert 'href="/console/settings"' not in inbox.text
    assert 'href="/console/webhooks"' not in inbox.text
    assert 'href="/console/mail"' not in inbox.text
    ticket = api.ticket()
    assert api.http.get(f"/console/tickets/{ticket['id']}", headers=headers).status_code == 200
    paths = (
        "/console/settings",
        "/console/webhooks",
        "/console/webhooks/endpoints/new",
        "/console/mail",
    )
    for path in paths:
        refused = api.http.get(path, headers=headers)
        assert refused.status_code == 403, path
        assert "Ask one of them to make you an admin" in refused.text
    brand = api.http.post(
        "/console/settings/brand",
        data={"display_name": "Hijacked", "csrf_token": csrf},
        headers=headers,
        follow_redirects=False,
    )
    assert brand.status_code == 403
    assert api.ok(api.get("/v2/agency/brand/retrieve"), "brand")["display_name"] == "Agency One"


def test_an_admin_reaches_settings_and_webhooks(api: Api) -> None:
    teammate = api.teammate()
    api.ok(api.post(f"/v2/agency/teammates/update/{teammate['id']}", {"role": "admin"}), "teammate")
    url = api.ok(api.post(f"/v2/agency/teammates/invite/{teammate['id']}"), "url")
    signed_in = signin.accept_invite(api.db, url.rsplit("/", 1)[1], PASSWORD)
    headers = {"Cookie": f"agent_session={signed_in.started.token}"}
    inbox = api.http.get("/console", headers=headers)
    assert 'href="/console/settings"' in inbox.text and 'href="/console/webhooks"' in inbox.text
    for path in ("/console/settings", "/console/webhooks", "/console/mail"):
        assert api.http.get(path, headers=headers).status_code == 200, path


def test_teammates_are_managed_by_admins_and_never_oneself(api: Api) -> None:
    headers, csrf = agent_session(api)  # an agent
    other = api.teammate()
    refused = api.http.post(
        f"/console/settings/teammates/{other['id']}/disable",
        data={"csrf_token": csrf},
        headers=headers,
        follow_redirects=False,
    )
    assert refused.status_code == 403
    admin = api.teammate(role="admin")
    url = api.ok(api.post(f"/v2/agency/teammates/invite/{admin['id']}"), "url")
    signed_in = signin.accept_invite(api.db, url.rsplit("/", 1)[1], PASSWORD)
    admin_headers = {"Cookie": f"agent_session={signed_in.started.token}"}
    page = api.http.get("/console/settings", headers=admin_headers)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    for action in ("disable", "delete"):
        own = api.http.post(
            f"/console/settings/teammates/{admin['id']}/{action}",
            data={"csrf_token": token.group(1)},
            headers=admin_headers,
            follow_redirects=False,
        )
        assert own.status_code == 400, action
        assert "yourself" in own.text
    bad_role = api.http.post(
        f"/console/settings/teammates/{other['id']}/role",
        data={"role": "owner", "csrf_token": token.group(1)},
        headers=admin_headers,
    )
    assert bad_role.status_code == 400
    team = {t["id"]: t for t in api.ok(api.get("/v2/agency/teammates/list"), "teammates")}
    assert team[admin["id"]]["disabled"] is False and team[other["id"]]["role"] == "agent"

"""Pages over plain HTTP (no browser): a signed-in teammate's cookie and CSRF token, and a form
posted before sign-in."""

import re
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

from hookdesk.access import signin
from tests.support.api import Api

PASSWORD = "correct horse battery"


def agent_session(api: Api, **teammate_fields: str) -> tuple[dict[str, str], str]:
    """A new teammate of `api`'s account with a password: its cookie header and CSRF token.
    `teammate_fields` as the create API takes them (`role="admin"`)."""
    teammate = api.teammate(**teammate_fields)
    url = api.ok(api.post(f"/v2/agency/teammates/invite/{teammate['id']}"), "url")
    signed_in = signin.accept_invite(api.db, url.rsplit("/", 1)[1], PASSWORD)
    headers = {"Cookie": f"agent_session={signed_in.started.token}"}
    page = api.http.get("/console", headers=headers)
    assert page.status_code == 200
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    return headers, csrf.group(1)


def form_token(http: TestClient) -> str:
    page = http.get("/console/sign-in")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match is not None
    return match.group(1)


def anonymous_post(http: TestClient, path: str, data: dict[str, str]) -> Response:
    """A form shown before sign-in, posted back with its token and its (Secure) cookie, which
    the test client would not send over http by itself."""
    token = form_token(http)
    return http.post(
        path,
        data=data | {"csrf_token": token},
        headers={"Cookie": f"form_token={token}"},
        follow_redirects=False,
    )


def client_session(api: Api, client_id: str) -> tuple[dict[str, str], str]:
    """A portal session of the client, entered through a link: its cookie header and CSRF token."""
    url = api.ok(api.post(f"/v2/agency/clients/portal-session/{client_id}"), "url")
    with api.db.write() as session:
        entered = signin.enter_portal(session, url.rsplit("/", 1)[1])
    headers = {"Cookie": f"client_session={entered.started.token}"}
    page = api.http.get("/portal", headers=headers)
    assert page.status_code == 200, page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    return headers, csrf.group(1)


@dataclass(frozen=True)
class Admin:
    """An admin signed in through `http`'s cookie jar (so cookies a page sets follow it), with
    the API client of the same account and the CSRF token of the console's forms."""

    api: Api
    csrf: str

    @property
    def http(self) -> TestClient:
        return self.api.http

    def post(self, path: str, data: dict[str, Any], **kwargs: Any) -> Response:
        return self.http.post(path, data={**data, "csrf_token": self.csrf}, **kwargs)


def signed_in_admin(api: Api) -> Admin:
    headers, csrf = agent_session(api, role="admin")
    api.http.cookies.set("agent_session", headers["Cookie"].split("=", 1)[1])
    return Admin(api, csrf)


class Console:
    """A signed-in teammate's browser, reduced to what these tests need: its cookies (sent by
    hand: the test client keeps no Secure cookie over http) and its CSRF token."""

    def __init__(self, api: Api, role: str) -> None:
        self.api = api
        self.headers, self.csrf = agent_session(api, role=role)

    def get(self, path: str, flash: str = "") -> Response:
        cookie = self.headers["Cookie"] + (f"; flash={flash}" if flash else "")
        return self.api.http.get(path, headers={"Cookie": cookie})

    def post(self, path: str, data: dict[str, str] | None = None) -> Response:
        form = {"csrf_token": self.csrf, **(data or {})}
        return self.api.http.post(path, data=form, headers=self.headers, follow_redirects=False)


def flash_of(answer: Response) -> str:
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("flash="))
    return cookie.removeprefix("flash=").split(";", 1)[0]


def followed(console: Console, answer: Response) -> Response:
    """The page a post redirected to, as the browser shows it next, with its message."""
    assert answer.status_code == 303, answer.text
    return console.get(answer.headers["location"], flash_of(answer))

"""Input shaped to break parsers gets a 400, never a 500: digits that are not ASCII ('²' passes
str.isdigit), numbers of thousands of digits, non-ASCII signatures, JSON nested 100,000 deep.

Headers go to a real uvicorn through urllib, which sends them as latin-1 as browsers and HTTP
libraries do: the test client would send '²' as two UTF-8 bytes, which the server reads as 'Â²'."""

import json
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from fastapi import FastAPI

from hookdesk.app import create_app
from hookdesk.config import Settings
from hookdesk.db import Database
from hookdesk.receiver.signing import compact_signature, secret_key
from tests.support.api import Api
from tests.support.errors import assert_error
from tests.support.hostile import DEEP, deeply_nested_json
from tests.support.serving import served

VERIFY = "/v2/webhook-endpoints/verify-signature"
SESSION = "0b6f0c3e-6f43-4bd4-9a4e-3f1f2f7b1d11"


def an_endpoint(api: Api) -> dict:
    body = {"url": "https://example.com/hooks", "events": ["whitelabel.ticket.created"]}
    return api.ok(api.post("/v2/webhook-endpoints/create", body), "webhook_endpoint")


@pytest.fixture
def server(settings: Settings, db: Database) -> Iterator[str]:
    """The base URL of the app served by uvicorn on the test's database."""

    def make_app(_url: str) -> FastAPI:
        return create_app(settings, db)

    with served(make_app) as (url, _app):
        yield url


def sent(url: str, headers: dict[str, str], body: bytes | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def verify(server: str, api: Api, body: bytes, signature: str) -> tuple[int, dict]:
    # urllib labels the body a form, as many clients do: the route still reads it raw.
    return sent(f"{server}{VERIFY}", {**api.headers, "Hookdesk-Signature": signature}, body)


@pytest.mark.parametrize(
    ("signature", "error"),
    [
        ("t=²,s=00", "no valid t="),
        ("t=" + "9" * 5000 + ",s=00", "no valid t="),
        ("t=" + "9" * 19 + ",s=00", "no valid t="),
        ("t=1,s=\xe9\xff", "no s="),
    ],
)
def test_verify_signature_refuses_malformed_signature_headers(
    server: str, api: Api, signature: str, error: str
) -> None:
    body = json.dumps({"endpoint_id": an_endpoint(api)["id"]}).encode()
    status, answer = verify(server, api, body, signature)
    assert status == 400, answer
    assert answer["valid"] is False
    assert error in answer["errors"][0]


def test_verify_signature_still_verifies_beside_a_non_ascii_signature(
    server: str, api: Api
) -> None:
    hook = an_endpoint(api)
    body = json.dumps({"endpoint_id": hook["id"]}).encode()
    at = 1_800_000_000
    good = compact_signature(secret_key(hook["secret"]), at, body)
    _status, answer = verify(server, api, body, f"t={at},s=\xe9,s={good}")
    assert answer["errors"] == ["the timestamp is more than 300 seconds from now"]


@pytest.mark.parametrize(
    "body",
    [deeply_nested_json(DEEP), b'{"endpoint_id": "a\\u0000"}', b'{"endpoint_id": "\\ud800"}'],
)
def test_verify_signature_on_bodies_that_are_no_event(server: str, api: Api, body: bytes) -> None:
    status, answer = verify(server, api, body, "t=1,s=00")
    assert status == 400, answer
    assert answer == {
        "status": 400,
        "valid": False,
        "errors": ["the body is not an event of one of this account's endpoints"],
    }


def test_json_nested_too_deep_for_the_parser_is_refused(api: Api) -> None:
    headers = {**api.headers, "Content-Type": "application/json"}
    response = api.http.post(
        "/v2/agency/clients/create", content=deeply_nested_json(DEEP), headers=headers
    )
    assert_error(response, 400, 1001, "nested too deeply")


@pytest.mark.parametrize("last_event_id", ["²", "\xb9\xb2", "9" * 5000])
def test_a_last_event_id_of_other_digits_is_refused(
    server: str, api: Api, last_event_id: str
) -> None:
    url = f"{server}/v2/events/stream?session={SESSION}"
    status, answer = sent(url, {**api.headers, "Last-Event-ID": last_event_id})
    assert (status, answer["error_code"]) == (400, 1002), answer
    assert "Last-Event-ID" in answer["error"]


@pytest.mark.parametrize(
    ("value", "words"),
    [("²", "neither Unix seconds"), ("٣٤", "neither Unix seconds"), ("9" * 5000, "out of range")],
)
def test_times_of_other_digits_or_thousands_of_them_are_refused(
    api: Api, value: str, words: str
) -> None:
    paging = {"page": 1, "per_page": 10}
    for name in ("from", "to"):
        assert_error(
            api.get("/v2/agency/tickets/list", **paging, **{name: value}), 400, 1002, words
        )
        assert_error(api.get("/v2/webhook-events/list", **{name: value}), 400, 1002, words)
    hook = an_endpoint(api)
    response = api.post(f"/v2/webhook-endpoints/recover/{hook['id']}", {"since": value})
    assert_error(response, 400, 1002, "since:", words)

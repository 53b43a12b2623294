"""Input shaped to break parsers gets a 400, never a 500: digits that are not ASCII ('²' passes
str.isdigit), numbers of thousands of digits, non-ASCII signatures, JSON nested 100,000 deep."""

import json

import pytest

from hookdesk.receiver.signing import compact_signature, secret_key
from tests.api.test_bad_input import assert_error
from tests.helpers import Api
from tests.hostile import DEEP, deeply_nested_json

VERIFY = "/v2/webhook-endpoints/verify-signature"
SESSION = "0b6f0c3e-6f43-4bd4-9a4e-3f1f2f7b1d11"


def an_endpoint(api: Api) -> dict:
    body = {"url": "https://example.com/hooks", "events": ["whitelabel.ticket.created"]}
    return api.ok(api.post("/v2/webhook-endpoints/create", body), "webhook_endpoint")


def verify(api: Api, body: bytes, signature: bytes):
    # Header values as bytes: sent as they are, the way a client would send latin-1 text
    headers = {**api.headers, "Hookdesk-Signature": signature}
    return api.http.post(VERIFY, content=body, headers=headers)


@pytest.mark.parametrize(
    ("signature", "error"),
    [
        ("t=²,s=00".encode("latin-1"), "no valid t="),
        (b"t=" + b"9" * 5000 + b",s=00", "no valid t="),
        (b"t=" + b"9" * 19 + b",s=00", "no valid t="),
        ("t=1,s=\xe9\xff".encode("latin-1"), "no s="),
    ],
)
def test_verify_signature_refuses_malformed_signature_headers(
    api: Api, signature: bytes, error: str
) -> None:
    body = json.dumps({"endpoint_id": an_endpoint(api)["id"]}).encode()
    response = verify(api, body, signature)
    assert response.status_code == 400, response.text
    assert response.json()["valid"] is False
    assert error in response.json()["errors"][0]


def test_verify_signature_still_verifies_beside_a_non_ascii_signature(api: Api) -> None:
    hook = an_endpoint(api)
    body = json.dumps({"endpoint_id": hook["id"]}).encode()
    at = 1_800_000_000
    good = compact_signature(secret_key(hook["secret"]), at, body)
    response = verify(api, body, f"t={at},s=\xe9,s={good}".encode("latin-1"))
    assert response.json()["errors"] == ["the timestamp is more than 300 seconds from now"]


@pytest.mark.parametrize(
    "body",
    [deeply_nested_json(DEEP), b'{"endpoint_id": "a\\u0000"}', b'{"endpoint_id": "\\ud800"}'],
)
def test_verify_signature_on_bodies_that_are_no_event(api: Api, body: bytes) -> None:
    response = verify(api, body, b"t=1,s=00")
    assert response.status_code == 400, response.text
    assert response.json() == {
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


@pytest.mark.parametrize("last_event_id", ["²".encode("latin-1"), b"\xb9\xb2", b"9" * 5000])
def test_a_last_event_id_of_other_digits_is_refused(api: Api, last_event_id: bytes) -> None:
    response = api.http.get(
        "/v2/events/stream",
        params={"session": SESSION},
        headers={**api.headers, "Last-Event-ID": last_event_id},
    )
    assert_error(response, 400, 1002, "Last-Event-ID")


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

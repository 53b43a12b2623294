"""Bad input gets a clear 4xx envelope naming the problem, and changes nothing."""

import uuid

import pytest

from hookdesk.errors import ErrorCode
from hookdesk.models.clients import Client
from hookdesk.models.tickets import Ticket
from hookdesk.models.webhooks import OutboxEvent
from tests.support.api import Api
from tests.support.errors import assert_error


def test_malformed_json(api: Api) -> None:
    response = api.http.post(
        "/v2/agency/clients/create",
        content=b'{"name": "x", ',
        headers={**api.headers, "Content-Type": "application/json"},
    )
    assert_error(response, 400, 1001, "not valid JSON")
    assert api.count(Client) == 0


def test_form_encoded_body_is_told_to_send_json(api: Api) -> None:
    response = api.http.post(
        "/v2/agency/clients/create",
        data={"name": "x", "email": "x@example.com"},
        headers=api.headers,
    )
    assert_error(response, 400, 1001, "Content-Type: application/json")


def test_missing_body(api: Api) -> None:
    response = api.http.post("/v2/agency/clients/create", headers=api.headers)
    assert_error(response, 400, 1002, "body is required")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"email": "a@example.com"}, ["name is required"]),
        ({"name": "A"}, ["email is required"]),
        ({"name": 5, "email": "a@example.com"}, ["name:", "string"]),
        ({"name": "A", "email": "not-an-email"}, ["email:"]),
        ({"name": "   ", "email": "a@example.com"}, ["name:"]),
        ({"name": "A", "email": "a@example.com", "phone": "1"}, ["phone:", "not permitted"]),
        ([1, 2], ["dictionary"]),
    ],
)
def test_client_fields_are_checked_and_named(api: Api, body, words) -> None:
    assert_error(api.post("/v2/agency/clients/create", body), 400, 1002, *words)
    assert api.count(Client) == 0


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("client_id", "not-a-uuid", ["client_id:"]),
        ("title", None, ["title:"]),
        ("description", 42, ["description:"]),
        ("is_client_reply", "yes", ["is_client_reply:"]),
        ("assets", "a", ["assets:"]),
    ],
)
def test_ticket_fields_of_the_wrong_type(api: Api, field: str, value, words) -> None:
    body = {
        "client_id": api.client()["id"],
        "title": "t",
        "description": "d",
        "category": api.category()["id"],
        field: value,
    }
    assert_error(api.post("/v2/agency/tickets/create", body), 400, 1002, *words)
    assert api.count(Ticket) == 0
    assert api.events() == []


@pytest.mark.parametrize("field", ["client_id", "category"])
def test_unknown_references_in_the_body(api: Api, field: str) -> None:
    body = {
        "client_id": api.client()["id"],
        "title": "t",
        "description": "d",
        "category": api.category()["id"],
    }
    body[field] = str(uuid.uuid4())
    assert_error(api.post("/v2/agency/tickets/create", body), 400, 1004, field, body[field])
    assert api.count(Ticket) == 0


def test_unknown_or_malformed_ids_in_the_path_are_404(api: Api) -> None:
    for ticket_id in (str(uuid.uuid4()), "nope", "1"):
        assert_error(api.get(f"/v2/agency/tickets/retrieve/{ticket_id}"), 404, 3001, ticket_id)
        response = api.post(f"/v2/agency/tickets/reply/create/{ticket_id}", {"reply": "x"})
        assert_error(response, 404, 3001)
    assert_error(api.get(f"/v2/agency/clients/retrieve/{uuid.uuid4()}"), 404, 3001, "client")
    assert api.events() == []


def test_assign_to_an_unknown_teammate(api: Api) -> None:
    ticket = api.ticket()
    response = api.post(
        f"/v2/agency/tickets/assign/{ticket['id']}", {"teammate_id": str(uuid.uuid4())}
    )
    assert_error(response, 400, 1004, "teammate_id")
    response = api.post(f"/v2/agency/tickets/assign/{ticket['id']}", {})
    assert_error(response, 400, 1002, "teammate_id is required")
    assert len(api.events()) == 1


def test_too_many_assets_on_a_reply(api: Api) -> None:
    ticket = api.ticket()
    assets = [str(uuid.uuid4()) for _ in range(6)]
    response = api.post(
        f"/v2/agency/tickets/reply/create/{ticket['id']}", {"reply": "x", "assets": assets}
    )
    assert_error(response, 400, 1007, "assets")


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"page": 0, "per_page": 10}, ["page"]),
        ({"page": 1, "per_page": 0}, ["per_page"]),
        ({"page": 1, "per_page": 101}, ["per_page"]),
        ({"page": "x", "per_page": 10}, ["page"]),
        ({"per_page": 10}, ["page is required"]),
        ({"page": 1}, ["per_page is required"]),
    ],
)
def test_bad_paging(api: Api, params, words) -> None:
    assert_error(api.get("/v2/agency/tickets/list", **params), 400, 1003, *words)


def test_several_problems_make_one_sentence(api: Api) -> None:
    listed = api.get("/v2/agency/tickets/list")
    assert listed.json()["error"] == "page and per_page are required."
    created = api.post("/v2/agency/clients/create", {})
    assert created.json()["error"] == "name and email are required."
    mixed = api.post("/v2/agency/clients/create", {"name": 5})
    assert mixed.json()["error"] == "email is required; name: Input should be a valid string."
    missing_body = api.http.post("/v2/agency/clients/create", headers=api.headers)
    assert missing_body.json()["error"] == "A JSON body is required."


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"order": "up"}, ["order"]),
        ({"sort_by": "priority"}, ["sort_by"]),
        ({"closed": "maybe"}, ["closed"]),
        ({"from": "last week"}, ["from"]),
        ({"to": "2022-13-45"}, ["to"]),
        ({"teammate_id": "x"}, ["teammate_id"]),
    ],
)
def test_bad_ticket_filters(api: Api, params, words) -> None:
    response = api.get("/v2/agency/tickets/list", page=1, per_page=10, **params)
    assert_error(response, 400, 1002, *words)


def test_oversized_body_is_413(api: Api) -> None:
    body = {"name": "x" * (1024 * 1024 + 10), "email": "a@example.com"}
    assert_error(api.post("/v2/agency/clients/create", body), 413, 5001, "limit")
    assert api.count(Client) == 0


def test_oversized_chunked_body_is_413(api: Api) -> None:
    def chunks():
        for _ in range(40):
            yield b"x" * 65536

    response = api.http.post(
        "/v2/agency/clients/create",
        content=chunks(),
        headers={**api.headers, "Content-Type": "application/json"},
    )
    assert_error(response, 413, 5001)


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer"}, {"Authorization": "Basic abc"}],
)
def test_missing_api_key_is_401(api: Api, headers) -> None:
    response = api.http.get("/v2/agency/clients/list", headers=headers)
    assert_error(response, 401, 2001)


@pytest.mark.parametrize(
    "key",
    ["hk_0123456789abcdef_wrong", "nonsense", "hk_", "Bearer x"],
)
def test_wrong_api_key_is_401(api: Api, key: str) -> None:
    response = api.http.get("/v2/agency/clients/list", headers={"Authorization": f"Bearer {key}"})
    assert_error(response, 401, 2002)


def test_right_key_id_with_wrong_secret_is_401(api: Api) -> None:
    forged = api.api_key[:-4] + "AAAA"
    response = api.http.get(
        "/v2/agency/clients/list", headers={"Authorization": f"Bearer {forged}"}
    )
    assert_error(response, 401, 2002)


def test_unauthenticated_writes_change_nothing(api: Api) -> None:
    response = api.http.post(
        "/v2/agency/clients/create", json={"name": "A", "email": "a@example.com"}
    )
    assert_error(response, 401, 2001)
    assert api.count(Client) == 0


def test_unknown_route_and_wrong_method(api: Api) -> None:
    assert_error(api.get("/v2/agency/nothing"), 404, 3002)
    wrong_method = api.get("/v2/agency/tickets/create")
    assert_error(wrong_method, 405, 3003)
    assert wrong_method.headers["allow"] == "POST"


def test_a_lone_surrogate_is_refused_as_not_text(api: Api) -> None:
    # "\ud83d" alone is half of a UTF-16 pair: valid JSON, but not text any database stores.
    body = '{"name": "Ada \\ud83d", "email": "ada@example.com"}'
    response = api.http.post(
        "/v2/agency/clients/create",
        content=body,
        headers={**api.headers, "Content-Type": "application/json"},
    )
    assert_error(
        response, 400, ErrorCode.FORBIDDEN_CHARACTER, "name: contains a lone surrogate (\\ud83d)"
    )
    assert api.count(Client) == 0
    paired = '{"name": "Ada \\ud83d\\ude00", "email": "ada@example.com"}'  # a whole pair: fine
    response = api.http.post(
        "/v2/agency/clients/create",
        content=paired,
        headers={**api.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 200
    assert response.json()["client"]["name"] == "Ada \U0001f600"


def test_duplicate_client_email_is_409(api: Api) -> None:
    api.client(email="same@example.com")
    response = api.post("/v2/agency/clients/create", {"name": "B", "email": "same@example.com"})
    assert_error(response, 409, 4001, "same@example.com")
    assert api.count(Client) == 1
    assert api.count(OutboxEvent) == 0


@pytest.mark.parametrize("path", ["/v2/agency/clients/list", "/v2/webhook-endpoints/list"])
def test_a_page_far_beyond_any_data_is_refused_not_a_crash(api: Api, path: str) -> None:
    assert_error(api.get(path, page=10**30), 400, 1003, "page")
    assert api.get(path, page=1_000_000).status_code == 200


@pytest.mark.parametrize("value", ["99999999999999999999999", "-99999999999999999999"])
def test_times_out_of_any_range_are_refused(api: Api, value: str) -> None:
    response = api.get("/v2/agency/tickets/list", page=1, per_page=10, **{"from": value})
    assert_error(response, 400, 1002, "out of range")


@pytest.mark.parametrize(
    ("headers", "params", "words"),
    [
        ({"Last-Event-ID": "abc"}, {}, "Last-Event-ID"),
        ({"Last-Event-ID": "9" * 40}, {}, "Last-Event-ID"),
        ({}, {"events": "ticket.exploded"}, "unknown event types"),
    ],
)
def test_bad_stream_requests_get_an_error_before_the_stream(
    api: Api, headers: dict, params: dict, words: str
) -> None:
    query = {"session": "0b6f0c3e-6f43-4bd4-9a4e-3f1f2f7b1d11", **params}
    response = api.http.get("/v2/events/stream", params=query, headers={**api.headers, **headers})
    assert_error(response, 400, 1002, words)

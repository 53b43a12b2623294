"""NUL and lone surrogates are refused with a 400 (FORBIDDEN_CHARACTER) naming the field, wherever
they come: JSON body, query string, path or form; a page shows the refusal as its error page."""

import json

import pytest

from hookdesk.errors import ErrorCode
from hookdesk.models.clients import Client
from hookdesk.models.webhooks import WebhookEndpoint
from tests.support.api import Api
from tests.support.errors import assert_error
from tests.support.pages import anonymous_post

NUL, SURROGATE = "\x00", "\ud800"
FORBIDDEN = ErrorCode.FORBIDDEN_CHARACTER


def post_json(api: Api, path: str, body: object):
    # json.dumps writes a lone surrogate as its \ud800 escape, as any client's JSON encoder would
    headers = {**api.headers, "Content-Type": "application/json"}
    return api.http.post(path, content=json.dumps(body), headers=headers)


@pytest.mark.parametrize(("character", "shown"), [(NUL, "\\u0000"), (SURROGATE, "\\ud800")])
def test_a_json_field_holding_one_is_refused_and_named(api: Api, character: str, shown: str):
    body = {"name": f"Ada{character}", "email": "ada@example.com"}
    response = post_json(api, "/v2/agency/clients/create", body)
    assert_error(response, 400, FORBIDDEN, "name:", shown)
    assert api.count(Client) == 0


def test_nested_fields_and_keys_are_named_by_their_path(api: Api) -> None:
    body = {"url": "https://example.com/h", "events": ["whitelabel.ticket.created"]}
    headers = {"X-Team": f"a{NUL}"}
    response = post_json(api, "/v2/webhook-endpoints/create", {**body, "headers": headers})
    assert_error(response, 400, FORBIDDEN, "headers.X-Team:")
    response = post_json(api, "/v2/webhook-endpoints/create", {**body, "headers": {NUL: "a"}})
    assert_error(response, 400, FORBIDDEN, "headers.\\u0000:")
    events = ["whitelabel.ticket.created", f"x{SURROGATE}"]
    assert_error(
        post_json(api, "/v2/webhook-endpoints/create", {**body, "events": events}),
        400,
        FORBIDDEN,
        "events.1:",
    )
    assert api.count(WebhookEndpoint) == 0


def test_query_parameters_and_path_ids_holding_nul_are_refused(api: Api) -> None:
    response = api.get("/v2/agency/tickets/list", page=1, per_page=10, search=f"a{NUL}")
    assert_error(response, 400, FORBIDDEN, "search:")
    response = api.get("/v2/webhook-events/list", **{"from": NUL})
    assert_error(response, 400, FORBIDDEN, "from:")
    response = api.get(f"/v2/agency/clients/retrieve/{api.client()['id']}%00")
    assert_error(response, 400, FORBIDDEN, "client_id:")
    response = api.post("/v2/webhook-events/resend/whev_%00")
    assert_error(response, 400, FORBIDDEN, "event_id:")


def test_recover_since_holding_a_lone_surrogate_is_refused(api: Api) -> None:
    hook = api.ok(
        api.post(
            "/v2/webhook-endpoints/create",
            {"url": "https://example.com/h", "events": ["whitelabel.ticket.created"]},
        ),
        "webhook_endpoint",
    )
    for since in (SURROGATE, f"2026-01-01{NUL}"):
        response = post_json(api, f"/v2/webhook-endpoints/recover/{hook['id']}", {"since": since})
        assert_error(response, 400, FORBIDDEN, "since:")


def test_the_sign_in_form_shows_the_refusal_as_a_page(api: Api) -> None:
    data = {"email": f"ada{NUL}@example.com", "password": "x"}
    response = anonymous_post(api.http, "/console/sign-in", data)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "email: contains a NUL character" in response.text

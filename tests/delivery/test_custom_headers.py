"""Custom endpoint headers: refused when saved unless they can be sent as they are."""

import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from sqlalchemy import select, text, update

from hookdesk.app import create_app
from hookdesk.config import Settings
from hookdesk.db import Database
from hookdesk.models.webhooks import WebhookEndpoint, WebhookEvent
from hookdesk.shared.secretbox import SecretBox
from hookdesk.webhooks import headers as custom_headers
from hookdesk.webhooks.log import wire
from tests.support.api import Api, new_account
from tests.support.receivers import Receiver
from tests.support.webhooks import ALL_EVENTS, endpoint, only_event_id, wait_for_status

CREATE = "/v2/webhook-endpoints/create"
URL = "https://example.com/hook"


@pytest.mark.parametrize(
    ("headers", "words"),
    [
        ({"X Key": "1"}, "'X Key' is not a valid header name"),
        ({"X-Key:": "1"}, "is not a valid header name"),
        ({"": "1"}, "is not a valid header name"),
        ({"X-Ключ": "1"}, "is not a valid header name"),
        ({"X-Key\u0001": "1"}, "is not a valid header name"),
        ({"X-(Key)": "1"}, "is not a valid header name"),
        ({"X" * 257: "1"}, "is not a valid header name"),
        ({"webhook_signature": "v1,x"}, "'webhook_signature' is set by hookdesk"),
        ({"CONTENT_TYPE": "text/plain"}, "'CONTENT_TYPE' is set by hookdesk"),
        ({"hOsT": "evil.example"}, "'hOsT' is set by hookdesk"),
        ({"Hookdesk_Signature": "t=1,s=0"}, "'Hookdesk_Signature' is set by hookdesk"),
        ({"Transfer_Encoding": "chunked"}, "'Transfer_Encoding' is set by hookdesk"),
        ({"X-Key": "a\nb"}, "the value of 'X-Key' is not a valid header value"),
        ({"X-Key": "a\u0001b"}, "the value of 'X-Key' is not a valid header value"),
        ({"X-Key": "a\tb"}, "the value of 'X-Key' is not a valid header value"),
        ({"X-Key": "a\u007fb"}, "the value of 'X-Key' is not a valid header value"),
        ({"X-Key": "a\u0085b"}, "the value of 'X-Key' is not a valid header value"),
        ({"X-Key": "v" * 4097}, "the value of 'X-Key' is not a valid header value"),
        ({"X-Key": "1", "x_key": "2"}, "'x_key' and 'X-Key' name the same header"),
        ({f"X-{n}": "1" for n in range(21)}, "headers"),
        ({"X-A": "a" * 4000, "X-B": "b" * 2200}, "over 6144 characters together"),
    ],
)
def test_bad_headers_are_refused_when_saved_naming_the_header(
    api: Api, headers: dict, words: str
) -> None:
    response = api.post(CREATE, {"url": URL, "events": ALL_EVENTS, "headers": headers})
    assert response.status_code == 400, response.text
    assert response.json()["error_code"] == 1002
    assert response.json()["error"].startswith("headers")
    assert words in response.json()["error"]
    assert api.ok(api.get("/v2/webhook-endpoints/list"), "webhook_endpoints") == []


def test_an_update_with_bad_headers_changes_nothing(api: Api) -> None:
    created = api.ok(
        api.post(CREATE, {"url": URL, "events": ALL_EVENTS, "headers": {"X-Key": "1"}}),
        "webhook_endpoint",
    )
    path = f"/v2/webhook-endpoints/update/{created['id']}"
    response = api.post(path, {"headers": {"User_Agent": "mine"}, "description": "changed"})
    assert response.status_code == 400
    assert "'User_Agent' is set by hookdesk" in response.json()["error"]
    shown = api.ok(api.get(f"/v2/webhook-endpoints/retrieve/{created['id']}"), "webhook_endpoint")
    assert (shown["headers"], shown["description"]) == ({"X-Key": "1"}, None)


def test_every_token_character_is_a_valid_name(api: Api) -> None:
    headers = {"X-!#$%&'*+.^_`|~09az": "v", "x-receiver-key": "Bearer a b=c,d;é"}
    created = api.ok(
        api.post(CREATE, {"url": URL, "events": ALL_EVENTS, "headers": headers}),
        "webhook_endpoint",
    )
    assert created["headers"] == headers


def test_headers_are_stored_sealed_and_answered_in_clear(api: Api) -> None:
    headers = {"X-Receiver-Key": "credential-4f1b", "X-Tenant": "acme"}
    created = api.ok(
        api.post(CREATE, {"url": URL, "events": ALL_EVENTS, "headers": headers}),
        "webhook_endpoint",
    )
    assert created["headers"] == headers
    with api.db.engine.connect() as connection:
        row = connection.execute(text("SELECT * FROM webhook_endpoints")).one()
    stored = " ".join(str(value) for value in row)
    assert "credential-4f1b" not in stored
    assert "X-Receiver-Key" not in stored
    shown = api.ok(api.get(f"/v2/webhook-endpoints/retrieve/{created['id']}"), "webhook_endpoint")
    assert shown["headers"] == headers
    path = f"/v2/webhook-endpoints/update/{created['id']}"
    assert api.ok(api.post(path, {"headers": {}}), "webhook_endpoint")["headers"] == {}
    with api.db.read() as session:
        assert session.scalar(select(WebhookEndpoint.sealed_headers)) is None


def test_an_endpoint_saved_with_a_bad_header_before_the_rules_fails_its_attempt(
    live: Api, live_settings: Settings, receiver: Receiver
) -> None:
    hook = endpoint(live, receiver.url, events=["whitelabel.ticket.created"])
    assert live_settings.secret_key is not None
    box = SecretBox(live_settings.secret_key)
    with live.db.write() as session:
        session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == hook["id"])
            .values(sealed_headers=custom_headers.seal(box, {"X-Key": "a\r\nInjected: 1"}))
        )
    live.ticket()
    entry = wait_for_status(live, only_event_id(live), "failed")
    errors = {attempt["error"] for attempt in entry["attempts"]}
    assert errors == {
        "could not prepare the request: the value of 'X-Key' is not a valid header value: "
        "it has a control character"
    }
    assert receiver.received == []


def test_the_event_page_shows_the_headers_opened(api: Api, settings: Settings) -> None:
    headers = {"X-Receiver-Key": "k-9"}
    api.ok(
        api.post(CREATE, {"url": URL, "events": ALL_EVENTS, "headers": headers}),
        "webhook_endpoint",
    )
    api.ticket()
    assert settings.secret_key is not None
    with api.db.read() as session:
        delivery = session.scalars(select(WebhookEvent)).one()
        sent = wire.sent_request(
            session, SecretBox(settings.secret_key), account_id=api.account_id, delivery=delivery
        )
        assert sent.headers[0] == ("X-Receiver-Key", "k-9")
        unreadable = wire.sent_request(
            session,
            SecretBox(Fernet.generate_key().decode()),
            account_id=api.account_id,
            delivery=delivery,
        )
        assert unreadable.headers[0] == ("(custom headers)", "(no key of the server opens them)")


def test_headers_no_key_opens_answer_a_clear_503(settings: Settings, db: Database) -> None:
    with TestClient(create_app(settings, db)) as http:
        api = new_account(http, db, "Agency")
        created = api.ok(
            api.post(CREATE, {"url": URL, "events": ALL_EVENTS, "headers": {"X-Key": "k"}}),
            "webhook_endpoint",
        )
    other_key = settings.model_copy(update={"secret_key": Fernet.generate_key().decode()})
    with TestClient(create_app(other_key, db)) as http:
        api = Api(http, db, api.account_id, api.api_key)
        for answer in (
            api.get("/v2/webhook-endpoints/list"),
            api.get(f"/v2/webhook-endpoints/retrieve/{created['id']}"),
        ):
            assert answer.status_code == 503
            assert answer.json()["error_code"] == 9002
            assert "HOOKDESK_SECRET_KEY" in answer.json()["error"]

"""The webhook endpoints API: objects, validation, URL safety, rotation, verify-signature, test."""

import json
import time
import uuid

import pytest
import standardwebhooks
from sqlalchemy import update

from hookdesk.models.webhooks import WebhookEndpoint
from hookdesk.receiver.signing import compact_signature, secret_key
from tests.support.api import Api
from tests.support.golden import golden, shape
from tests.support.receivers import Receiver
from tests.support.webhooks import ALL_EVENTS, endpoint

CREATE = "/v2/webhook-endpoints/create"


def test_create_shows_the_secret_once(api: Api) -> None:
    created = api.ok(
        api.post(CREATE, {"url": "https://example.com/hook", "events": ALL_EVENTS}),
        "webhook_endpoint",
    )
    assert list(created)[:8] == [
        "id",
        "object",
        "url",
        "events",
        "description",
        "status",
        "api_version",
        "created_at",
    ]
    assert created["object"] == "webhook_endpoint"
    assert created["status"] == "enabled"
    assert created["api_version"] == 2
    assert created["secret"].startswith("whsec_")
    assert len(secret_key(created["secret"])) == 32
    shown = api.ok(api.get(f"/v2/webhook-endpoints/retrieve/{created['id']}"), "webhook_endpoint")
    assert "secret" not in shown
    assert shown == {k: v for k, v in created.items() if k != "secret"}
    listed = api.ok(api.get("/v2/webhook-endpoints/list"), "webhook_endpoints")
    assert listed == [shown]


def test_secrets_are_stored_encrypted(api: Api) -> None:
    created = api.ok(
        api.post(CREATE, {"url": "https://example.com/hook", "events": ALL_EVENTS}),
        "webhook_endpoint",
    )
    with api.db.read() as session:
        stored = session.get(WebhookEndpoint, created["id"])
        assert stored is not None
        assert created["secret"] not in stored.secret
        assert created["secret"].removeprefix("whsec_") not in stored.secret


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"url": "https://example.com/h", "events": []}, "events"),
        ({"url": "https://example.com/h", "events": ["ticket.exploded"]}, "events"),
        ({"url": "https://example.com/h", "events": ALL_EVENTS[:1] * 2}, "distinct"),
        ({"events": ALL_EVENTS}, "url is required"),
        ({"url": "https://example.com/h", "events": ALL_EVENTS, "api_version": 1}, "api_version"),
        (
            {
                "url": "https://example.com/h",
                "events": ALL_EVENTS,
                "headers": {"Webhook-Signature": "x"},
            },
            "cannot be overridden",
        ),
        (
            {"url": "https://example.com/h", "events": ALL_EVENTS, "headers": {"Host": "evil"}},
            "cannot be overridden",
        ),
        (
            {"url": "https://example.com/h", "events": ALL_EVENTS, "headers": {"X-A": "a\r\nB: c"}},
            "header value",
        ),
    ],
)
def test_bad_endpoints_are_refused(api: Api, body: dict, words: str) -> None:
    response = api.post(CREATE, body)
    assert response.status_code == 400
    assert words in response.json()["error"]
    assert api.ok(api.get("/v2/webhook-endpoints/list"), "webhook_endpoints") == []


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/hook",
        "ftp://example.com/hook",
        "https://127.0.0.1/hook",
        "https://localhost:8443/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://224.0.0.1/hook",
        "https://0.0.0.0/hook",
        "https://user:pw@example.com/hook",
        "https:///nohost",
        # IPv6 addresses that carry an internal IPv4 address for a gateway to reach
        "https://[::127.0.0.1]/hook",
        "https://[64:ff9b::7f00:1]/hook",
        "https://[64:ff9b::169.254.169.254]/hook",
        "https://[2002:7f00:1::]/hook",
        "https://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hook",
        # hosts that are no host names
        "https://[::1/hook",
        "https://exa mple.com/hook",
        "https://exa\u0001mple.com/hook",
        "https://0x7f.1/hook",
    ],
)
def test_unsafe_urls_are_refused_outside_dev_mode(api: Api, url: str) -> None:
    response = api.post(CREATE, {"url": url, "events": ALL_EVENTS})
    assert response.status_code == 400, url
    assert response.json()["error_code"] == 1012


@pytest.mark.parametrize(
    "url", ["http://[::1/hook", "http://local host:4000/hook", "http://exa\u0001mple/hook"]
)
def test_a_malformed_host_is_refused_in_dev_mode_too(live: Api, url: str) -> None:
    response = live.post(CREATE, {"url": url, "events": ALL_EVENTS})
    assert response.status_code == 400, url
    assert response.json()["error_code"] == 1012


def test_an_update_to_an_unsafe_url_is_refused(api: Api) -> None:
    created = api.ok(
        api.post(CREATE, {"url": "https://example.com/hook", "events": ALL_EVENTS}),
        "webhook_endpoint",
    )
    response = api.post(
        f"/v2/webhook-endpoints/update/{created['id']}", {"url": "https://127.0.0.1/x"}
    )
    assert response.json()["error_code"] == 1012


def test_update_changes_only_what_is_sent(api: Api) -> None:
    created = api.ok(
        api.post(
            CREATE, {"url": "https://example.com/a", "events": ALL_EVENTS, "description": "d"}
        ),
        "webhook_endpoint",
    )
    path = f"/v2/webhook-endpoints/update/{created['id']}"
    updated = api.ok(
        api.post(path, {"url": "https://example.com/b", "events": ALL_EVENTS[:2]}),
        "webhook_endpoint",
    )
    assert (updated["url"], updated["events"], updated["description"]) == (
        "https://example.com/b",
        ALL_EVENTS[:2],
        "d",
    )
    cleared = api.ok(
        api.post(path, {"description": None, "headers": {"X-Key": "1"}}), "webhook_endpoint"
    )
    assert (cleared["description"], cleared["headers"]) == (None, {"X-Key": "1"})
    assert api.post(path, {"status": "paused"}).status_code == 400
    assert api.post(path, {"events": None}).status_code == 400


def test_at_most_one_hundred_endpoints(api: Api) -> None:
    for n in range(100):
        api.ok(
            api.post(CREATE, {"url": f"https://93.184.215.14/{n}", "events": ALL_EVENTS}),
            "webhook_endpoint",
        )
    response = api.post(CREATE, {"url": "https://example.com/101", "events": ALL_EVENTS})
    assert response.status_code == 400
    assert response.json()["error_code"] == 1011
    first = api.ok(api.get("/v2/webhook-endpoints/list", page=1, per_page=1), "webhook_endpoints")
    api.ok(api.post(f"/v2/webhook-endpoints/delete/{first[0]['id']}"), "webhook_endpoint")
    assert (
        api.post(CREATE, {"url": "https://example.com/again", "events": ALL_EVENTS}).status_code
        == 200
    )


def test_another_accounts_endpoint_is_unknown(api: Api, other_api: Api) -> None:
    created = api.ok(
        api.post(CREATE, {"url": "https://example.com/hook", "events": ALL_EVENTS}),
        "webhook_endpoint",
    )
    endpoint_id = created["id"]
    assert other_api.get(f"/v2/webhook-endpoints/retrieve/{endpoint_id}").status_code == 404
    bodies = {
        "update": {"description": "mine now"},
        "delete": None,
        "rotate-secret": None,
        "test": {"event_type": ALL_EVENTS[0]},
        "recover": {"since": 0},
    }
    for path, body in bodies.items():
        response = other_api.post(f"/v2/webhook-endpoints/{path}/{endpoint_id}", body)
        assert response.status_code == 404, path
    shown = api.ok(api.get(f"/v2/webhook-endpoints/retrieve/{endpoint_id}"), "webhook_endpoint")
    assert shown == {k: v for k, v in created.items() if k != "secret"}


def test_custom_headers_are_sent(live: Api, receiver: Receiver) -> None:
    endpoint(live, receiver.url, headers={"X-Receiver-Key": "k-123"})
    live.ticket()
    [request] = receiver.wait_for(1)
    assert request.headers["x-receiver-key"] == "k-123"


def test_test_event_goes_through_the_pipeline(live: Api, receiver: Receiver) -> None:
    hook = endpoint(live, receiver.url, events=["whitelabel.ticket.created"])
    for event_type in ALL_EVENTS:  # any type, even one the endpoint does not subscribe to
        answer = live.post(f"/v2/webhook-endpoints/test/{hook['id']}", {"event_type": event_type})
        assert answer.status_code == 200, answer.text
        assert answer.json()["event_id"].startswith("whev_")
    received = receiver.wait_for(4)
    assert sorted(json.loads(r.body)["event_type"] for r in received) == sorted(ALL_EVENTS)
    for request in received:
        body = json.loads(request.body)
        assert shape(body) == shape(golden(body["event_type"]))
        assert body["endpoint_id"] == hook["id"]
        standardwebhooks.Webhook(hook["secret"]).verify(request.body, request.headers)
    assert len(live.ok(live.get("/v2/webhook-events/list"), "webhook_events")) == 4


def test_rotation_signs_with_both_secrets_for_a_day(live: Api, receiver: Receiver) -> None:
    hook = endpoint(live, receiver.url, events=["whitelabel.ticket.created"])
    rotated = live.ok(
        live.post(f"/v2/webhook-endpoints/rotate-secret/{hook['id']}"), "webhook_endpoint"
    )
    assert rotated["secret"] != hook["secret"]
    live.ticket()
    [request] = receiver.wait_for(1)
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    assert request.headers["hookdesk-signature"].count("s=") == 2
    for secret in (hook["secret"], rotated["secret"]):
        standardwebhooks.Webhook(secret).verify(request.body, request.headers)
    # A day later (moved back in the database rather than waited for), the old secret is done.
    with live.db.write() as session:
        session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == hook["id"])
            .values(previous_secret_expires_at=int(time.time()) - 1)
        )
    live.ticket()
    _, later = receiver.wait_for(2)
    assert len(later.headers["webhook-signature"].split(" ")) == 1
    standardwebhooks.Webhook(rotated["secret"]).verify(later.body, later.headers)
    with pytest.raises(standardwebhooks.WebhookVerificationError):
        standardwebhooks.Webhook(hook["secret"]).verify(later.body, later.headers)


def test_verify_signature(live: Api, receiver: Receiver) -> None:
    hook = endpoint(live, receiver.url, events=["whitelabel.ticket.created"])
    live.ticket()
    [request] = receiver.wait_for(1)
    path = "/v2/webhook-endpoints/verify-signature"

    def verify(body: bytes, signature: str | None):
        headers = {**live.headers, "Content-Type": "application/json"}
        if signature is not None:
            headers["Hookdesk-Signature"] = signature
        return live.http.post(path, content=body, headers=headers)

    good = verify(request.body, request.headers["hookdesk-signature"])
    assert good.json() == {"status": 200, "valid": True}
    tampered = verify(
        request.body.replace(b"Help", b"Hilfe"), request.headers["hookdesk-signature"]
    )
    assert tampered.status_code == 400
    assert tampered.json()["valid"] is False
    assert any("no signature matches" in e for e in tampered.json()["errors"])
    assert "missing" in verify(request.body, None).json()["errors"][0]
    body = json.loads(request.body)
    key = secret_key(hook["secret"])
    fresh_time = int(time.time())
    resigned = verify(
        request.body, f"t={fresh_time},s={compact_signature(key, fresh_time, request.body)}"
    )
    assert resigned.json()["valid"] is True
    stale_time = int(time.time()) - 301
    stale = verify(
        request.body, f"t={stale_time},s={compact_signature(key, stale_time, request.body)}"
    )
    assert any("timestamp" in e for e in stale.json()["errors"])
    foreign = dict(body, endpoint_id=str(uuid.uuid4()))
    unknown = verify(json.dumps(foreign).encode(), request.headers["hookdesk-signature"])
    assert "not an event" in unknown.json()["errors"][0]

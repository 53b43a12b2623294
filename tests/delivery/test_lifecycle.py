"""Deliveries to real receivers on 127.0.0.1, through the dispatcher running in the app."""

import json

import standardwebhooks
import svix.webhooks

from hookdesk.receiver.signing import compact_signature, secret_key
from tests.support.api import Api, as_in_events
from tests.support.golden import golden, shape
from tests.support.receivers import Receiver
from tests.support.webhooks import ALL_EVENTS, endpoint


def walk_a_ticket(api: Api) -> dict:
    ticket = api.ticket()
    reply = {"reply": "On it"}
    api.ok(api.post(f"/v2/agency/tickets/reply/create/{ticket['id']}", reply), "ticket")
    agent = api.teammate()
    path = f"/v2/agency/tickets/assign/{ticket['id']}"
    api.ok(api.post(path, {"teammate_id": agent["id"]}), "ticket")
    api.ok(api.post(f"/v2/agency/tickets/resolve/{ticket['id']}"), "ticket")
    return ticket


def test_the_whole_ticket_life_arrives_signed_with_golden_shapes(
    live: Api, receiver: Receiver
) -> None:
    hook = endpoint(live, receiver.url)
    ticket = walk_a_ticket(live)
    received = receiver.wait_for(4)
    bodies = [json.loads(r.body) for r in received]
    assert sorted(b["event_type"] for b in bodies) == sorted(ALL_EVENTS)
    for request, body in zip(received, bodies, strict=True):
        assert body["endpoint_id"] == hook["id"]
        assert body["data"]["ticket"]["id"] == ticket["id"]
        assert request.headers["webhook-id"] == body["event_id"]
        assert request.headers["content-type"] == "application/json"
        assert request.headers["user-agent"].startswith("hookdesk/")
        expected = golden(body["event_type"])
        assert shape(body)[:4] == shape(expected)[:4]
        assert list(body) == list(expected)
        assert list(body["data"]) == list(expected["data"])
        assert list(body["data"]["ticket"]) == list(expected["data"]["ticket"])
        # Independent verifiers accept our signature.
        standardwebhooks.Webhook(hook["secret"]).verify(request.body, request.headers)
        svix.webhooks.Webhook(hook["secret"]).verify(request.body, request.headers)
        timestamp, signature = request.headers["hookdesk-signature"].split(",")
        key = secret_key(hook["secret"])
        assert signature == "s=" + compact_signature(key, int(timestamp[2:]), request.body)


def test_the_api_ticket_equals_the_delivered_ticket(live: Api, receiver: Receiver) -> None:
    endpoint(live, receiver.url, events=["whitelabel.ticket.created"])
    ticket = live.ticket()
    [request] = receiver.wait_for(1)
    assert json.loads(request.body)["data"]["ticket"] == as_in_events(ticket)


def test_event_type_filters(live: Api, receiver: Receiver) -> None:
    other = Receiver()
    try:
        endpoint(live, receiver.url, events=["whitelabel.ticket.resolved"])
        endpoint(live, other.url, events=["whitelabel.ticket.created", "whitelabel.ticket.updated"])
        walk_a_ticket(live)
        # an unordered endpoint may get them in either order
        assert sorted(json.loads(r.body)["event_type"] for r in other.wait_for(2)) == [
            "whitelabel.ticket.created",
            "whitelabel.ticket.updated",
        ]
        [resolved] = receiver.wait_for(1)
        assert json.loads(resolved.body)["event_type"] == "whitelabel.ticket.resolved"
    finally:
        other.close()


def test_each_endpoint_gets_its_own_event_id(live: Api, receiver: Receiver) -> None:
    first = endpoint(live, receiver.url)
    second = endpoint(live, receiver.url)
    live.ticket()
    bodies = [json.loads(r.body) for r in receiver.wait_for(2)]
    assert {b["endpoint_id"] for b in bodies} == {first["id"], second["id"]}
    assert len({b["event_id"] for b in bodies}) == 2
    assert bodies[0]["data"] == bodies[1]["data"]


def test_a_disabled_endpoint_gets_nothing_new(live: Api, receiver: Receiver) -> None:
    hook = endpoint(live, receiver.url)
    path = f"/v2/webhook-endpoints/update/{hook['id']}"
    live.ok(live.post(path, {"status": "disabled"}), "webhook_endpoint")
    live.ticket()
    listed = live.ok(live.get("/v2/webhook-events/list"), "webhook_events")
    assert listed == []
    live.ok(live.post(path, {"status": "enabled"}), "webhook_endpoint")
    live.ticket()
    assert len(receiver.wait_for(1)) == 1

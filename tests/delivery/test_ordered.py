"""An ordered endpoint gets one ticket's events in the order they happened, even under retries."""

import json

from tests.support.api import Api
from tests.support.receivers import Receiver, Reply
from tests.support.webhooks import ALL_EVENTS, endpoint


def changes(api: Api) -> list[str]:
    """Four changes to one ticket, as fast as the API takes them; their ticket states in order."""
    ticket = api.ticket()
    path = f"/v2/agency/tickets/reply/create/{ticket['id']}"
    api.ok(api.post(path, {"reply": "first reply"}), "ticket")
    api.ok(api.post(path, {"reply": "second reply"}), "ticket")
    api.ok(api.post(f"/v2/agency/tickets/resolve/{ticket['id']}"), "ticket")
    return ["created", "reply:first reply", "reply:second reply", "resolved"]


def label(body: bytes) -> str:
    event = json.loads(body)
    kind = event["event_type"].rsplit(".", 1)[1]
    return f"reply:{event['data']['reply']['text']}" if kind == "updated" else kind


def test_ordered_endpoint_waits_for_earlier_events(live: Api, receiver: Receiver) -> None:
    receiver.reply_with(Reply(500), Reply(503))  # the first event fails twice
    endpoint(live, receiver.url, ordered=True)
    expected = changes(live)
    received = receiver.wait_for(6)
    labels = [label(r.body) for r in received]
    assert labels == ["created", "created", "created", *expected[1:]]


def test_each_ticket_is_ordered_on_its_own(live: Api, receiver: Receiver) -> None:
    endpoint(live, receiver.url, ordered=True, events=ALL_EVENTS)
    for _ in range(3):
        changes(live)
    received = receiver.wait_for(12)
    by_ticket: dict[str, list[str]] = {}
    for request in received:
        ticket_id = json.loads(request.body)["data"]["ticket"]["id"]
        by_ticket.setdefault(ticket_id, []).append(label(request.body))
    assert len(by_ticket) == 3
    for labels in by_ticket.values():
        assert labels == ["created", "reply:first reply", "reply:second reply", "resolved"]


def test_unordered_endpoints_are_not_held_back(live: Api, receiver: Receiver) -> None:
    ordered = Receiver()
    try:
        ordered.default = Reply(500)  # the ordered endpoint is stuck on its first event
        endpoint(live, ordered.url, ordered=True)
        endpoint(live, receiver.url)
        changes(live)
        assert len(receiver.wait_for(4)) == 4
        assert {label(r.body) for r in ordered.received} == {"created"}
    finally:
        ordered.close()

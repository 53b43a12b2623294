"""Failures, retries, exhaustion, auto-disable, recover and resend, against real receivers."""

import json
import time

import pytest

from hookdesk.config import Settings
from tests.support.api import Api
from tests.support.receivers import Receiver, Reply, closed_port_url
from tests.support.waiting import wait_until
from tests.support.webhooks import endpoint, log_entry, only_event_id, wait_for_status

CREATED = ["whitelabel.ticket.created"]


def test_retries_until_success_with_the_same_id_and_body(live: Api, receiver: Receiver) -> None:
    receiver.reply_with(Reply(500, b"oops"), Reply(502))
    endpoint(live, receiver.url, events=CREATED)
    live.ticket()
    first, second, third = receiver.wait_for(3)
    assert first.body == second.body == third.body
    assert {r.headers["webhook-id"] for r in (first, second, third)} == {only_event_id(live)}
    entry = wait_for_status(live, only_event_id(live), "delivered")
    assert entry["attempt_count"] == 3
    assert entry["next_attempt_at"] is None
    assert [a["status_code"] for a in entry["attempts"]] == [500, 502, 200]
    assert entry["attempts"][0]["response_body"] == "oops"
    assert entry["attempts"][0]["error"] == "HTTP 500"
    assert entry["attempts"][2]["error"] is None
    assert json.dumps(entry["payload"], separators=(",", ":")).encode() == third.body


def test_exhausted_schedule_fails_the_delivery(
    live: Api, receiver: Receiver, live_settings: Settings
) -> None:
    receiver.default = Reply(500)
    endpoint(live, receiver.url, events=CREATED)
    live.ticket()
    attempts = len(live_settings.retry_schedule) + 1
    receiver.wait_for(attempts)
    entry = wait_for_status(live, only_event_id(live), "failed")
    assert entry["attempt_count"] == attempts
    assert entry["next_attempt_at"] is None
    time.sleep(0.5)
    assert len(receiver.received) == attempts  # nothing after the schedule is spent


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (
            Reply(302, headers={"Location": "https://example.com/"}),
            "redirect to https://example.com/",
        ),
        (Reply(200, delay=2.5), "timeout after 2 s"),
        (Reply(reset=True), "connection failed"),
    ],
)
def test_each_failure_is_recorded_with_its_error(
    live: Api, receiver: Receiver, reply: Reply, error: str
) -> None:
    receiver.reply_with(reply)
    endpoint(live, receiver.url, events=CREATED)
    live.ticket()
    entry = wait_for_status(live, only_event_id(live), "delivered")
    assert entry["attempts"][0]["error"].startswith(error)
    assert entry["attempts"][1]["status_code"] == 200


def test_refused_connections_are_retried(live: Api) -> None:
    endpoint(live, closed_port_url(), events=CREATED)
    live.ticket()
    entry = wait_for_status(live, only_event_id(live), "failed")
    assert all(a["status_code"] is None for a in entry["attempts"])
    assert all(a["error"].startswith("connection failed") for a in entry["attempts"])


def test_gone_disables_the_endpoint_at_once(live: Api, receiver: Receiver) -> None:
    receiver.default = Reply(410)
    hook = endpoint(live, receiver.url, events=CREATED)
    live.ticket()
    wait_for_status(live, only_event_id(live), "failed")
    shown = live.ok(live.get(f"/v2/webhook-endpoints/retrieve/{hook['id']}"), "webhook_endpoint")
    assert shown["status"] == "disabled"
    assert "410" in shown["disabled_reason"]
    assert len(receiver.received) == 1


def test_retry_after_is_recorded_and_honoured(live: Api, receiver: Receiver) -> None:
    receiver.reply_with(Reply(503, headers={"Retry-After": "0.25"}))
    endpoint(live, receiver.url, events=CREATED)
    live.ticket()
    first, second = receiver.wait_for(2)
    assert second.at - first.at >= 0.2
    assert wait_for_status(live, only_event_id(live), "delivered")["attempt_count"] == 2


def test_resend_delivers_the_same_body_again_freshly_signed(live: Api, receiver: Receiver) -> None:
    endpoint(live, receiver.url, events=CREATED)
    live.ticket()
    [original] = receiver.wait_for(1)
    event_id = only_event_id(live)
    wait_for_status(live, event_id, "delivered")
    time.sleep(1.0)  # a later second, so the new signature differs
    resent = live.ok(live.post(f"/v2/webhook-events/resend/{event_id}"), "webhook_event")
    assert resent["id"] == event_id
    _, again = receiver.wait_for(2)
    assert again.body == original.body
    assert again.headers["webhook-id"] == event_id
    assert again.headers["webhook-timestamp"] != original.headers["webhook-timestamp"]
    assert again.headers["webhook-signature"] != original.headers["webhook-signature"]
    # The answer shows the delivery as its schedule has it: delivered, all along.
    assert resent["status"] == "delivered"
    entry = wait_until(
        lambda: log_entry(live, event_id),
        lambda entry: entry["attempt_count"] == 2,
        what="the resend recorded",
    )
    assert entry["status"] == "delivered" and entry["next_attempt_at"] is None


def test_recover_queues_failed_deliveries_again(live: Api, receiver: Receiver) -> None:
    receiver.default = Reply(500)
    hook = endpoint(live, receiver.url, events=CREATED)
    live.ticket()
    event_id = only_event_id(live)
    wait_for_status(live, event_id, "failed")
    receiver.default = Reply(200)
    answer = live.post(
        f"/v2/webhook-endpoints/recover/{hook['id']}", {"since": "2020-01-01T00:00:00Z"}
    )
    assert answer.json() == {"status": 200, "queued": 1}
    entry = wait_for_status(live, event_id, "delivered")
    assert entry["attempts"][-1]["status_code"] == 200


def test_recover_only_touches_deliveries_since_the_time(live: Api, receiver: Receiver) -> None:
    receiver.default = Reply(500)
    hook = endpoint(live, receiver.url, events=CREATED)
    live.ticket()
    wait_for_status(live, only_event_id(live), "failed")
    later = int(time.time()) + 3600
    answer = live.post(f"/v2/webhook-endpoints/recover/{hook['id']}", {"since": later})
    assert answer.json()["queued"] == 0


def test_deleting_an_endpoint_cancels_its_pending_deliveries(live: Api, receiver: Receiver) -> None:
    receiver.default = Reply(500)
    hook = endpoint(live, receiver.url, events=CREATED)
    live.ticket()
    receiver.wait_for(1)
    live.ok(live.post(f"/v2/webhook-endpoints/delete/{hook['id']}"), "webhook_endpoint")
    entry = wait_for_status(live, only_event_id(live), "cancelled")
    assert entry["next_attempt_at"] is None
    count = len(receiver.received)
    time.sleep(0.8)
    assert len(receiver.received) == count
    missing = live.get(f"/v2/webhook-endpoints/retrieve/{hook['id']}")
    assert missing.status_code == 404


def test_a_receivers_answer_holding_nul_or_bad_bytes_is_recorded_without_them(
    live: Api, receiver: Receiver
) -> None:
    receiver.reply_with(
        Reply(500, b"oo\x00ps \xff"), Reply(302, headers={"Location": "/moved\xff"})
    )
    endpoint(live, receiver.url, events=CREATED)
    live.ticket()
    receiver.wait_for(3)
    entry = wait_for_status(live, only_event_id(live), "delivered")
    assert [a["response_body"] for a in entry["attempts"]] == ["oops \ufffd", "ok", "ok"]
    assert entry["attempts"][1]["error"] == "redirect to /moved\ufffd not followed"

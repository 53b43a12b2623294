"""Tags and priority (POST /v2/agency/tickets/update/{id}): in the agency API's ticket object
only, after the event's keys; never in events, never an activity."""

import json

import pytest

from hookdesk.models.mail import MailMessage
from hookdesk.models.webhooks import OutboxEvent
from tests.support.api import Api
from tests.support.golden import golden, shape


def update(api: Api, ticket_id: str, body: object) -> dict:
    return api.ok(api.post(f"/v2/agency/tickets/update/{ticket_id}", body), "ticket")


def refused(api: Api, ticket_id: str, body: object) -> dict:
    answer = api.post(f"/v2/agency/tickets/update/{ticket_id}", body)
    assert answer.status_code == 400, answer.text
    refusal: dict = answer.json()
    assert refusal["status"] == 400
    return refusal


def test_a_new_ticket_has_no_tags_and_normal_priority_after_the_event_keys(api: Api) -> None:
    ticket = api.ticket()
    expected_keys = [*golden("whitelabel.ticket.created")["data"]["ticket"], "tags", "priority"]
    assert list(ticket) == expected_keys
    assert ticket["tags"] == []
    assert ticket["priority"] == "normal"
    retrieved = api.ok(api.get(f"/v2/agency/tickets/retrieve/{ticket['id']}"), "ticket")
    assert list(retrieved) == expected_keys


def test_update_sets_tags_and_priority(api: Api) -> None:
    ticket = api.ticket()
    updated = update(api, ticket["id"], {"tags": [" VIP ", "billing", "vip"], "priority": "urgent"})
    assert updated["tags"] == ["billing", "vip"]  # trimmed, lower case, once each, sorted
    assert updated["priority"] == "urgent"
    assert api.ok(api.get(f"/v2/agency/tickets/retrieve/{ticket['id']}"), "ticket") == updated
    # Each field alone changes only itself; the tags given replace the ticket's tags.
    assert update(api, ticket["id"], {"priority": "low"})["tags"] == ["billing", "vip"]
    retagged = update(api, ticket["id"], {"tags": ["refund"]})
    assert (retagged["tags"], retagged["priority"]) == (["refund"], "low")
    assert update(api, ticket["id"], {"tags": []})["tags"] == []
    unchanged = update(api, ticket["id"], {})
    assert (unchanged["tags"], unchanged["priority"]) == ([], "low")


def test_update_emits_no_event_queues_no_mail_and_is_no_activity(api: Api) -> None:
    ticket = api.ticket(is_client_reply=True)
    events, mail = api.count(OutboxEvent), api.count(MailMessage)
    updated = update(api, ticket["id"], {"tags": ["billing"], "priority": "high"})
    assert updated["updated_at"] == ticket["updated_at"]
    assert (api.count(OutboxEvent), api.count(MailMessage)) == (events, mail)


def test_events_of_a_tagged_ticket_keep_the_golden_shape(api: Api) -> None:
    ticket = api.ticket()
    update(api, ticket["id"], {"tags": ["billing"], "priority": "urgent"})
    api.ok(
        api.post(f"/v2/agency/tickets/reply/create/{ticket['id']}", {"reply": "On it."}), "ticket"
    )
    api.ok(api.post(f"/v2/agency/tickets/resolve/{ticket['id']}"), "ticket")
    for event in api.events()[1:]:
        data = json.loads(event.data)
        expected = golden(event.event_type)["data"]
        assert list(data) == list(expected)
        assert list(data["ticket"]) == list(expected["ticket"])
        assert shape(data["ticket"]["client"]) == shape(expected["ticket"]["client"])
        assert "billing" not in event.data and "urgent" not in event.data


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"tags": [f"t{n}" for n in range(21)]}, "tags: List should have at most 20 items"),
        ({"tags": ["x" * 51]}, "tags.0: String should have at most 50 characters"),
        ({"tags": ["  "]}, "tags.0: String should have at least 1 character"),
        ({"tags": ["a,b"]}, "tags.0: a tag cannot hold a comma"),
        ({"tags": "billing"}, "tags: Input should be a valid list"),
        ({"tags": [7]}, "tags.0: Input should be a valid string"),
        ({"priority": "critical"}, "priority: Input should be 'low', 'normal', 'high' or 'urgent'"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_updates_are_refused_and_change_nothing(api: Api, body: object, words: str) -> None:
    ticket = api.ticket()
    update(api, ticket["id"], {"tags": ["kept"], "priority": "high"})
    refusal = refused(api, ticket["id"], body)
    assert refusal["error_code"] == 1002
    assert words in refusal["error"]
    after = api.ok(api.get(f"/v2/agency/tickets/retrieve/{ticket['id']}"), "ticket")
    assert (after["tags"], after["priority"]) == (["kept"], "high")


def test_updating_an_unknown_ticket_is_a_404(api: Api) -> None:
    answer = api.post(
        "/v2/agency/tickets/update/0b8a7f3e-6a38-4e0e-9c1e-1a2b3c4d5e6f", {"priority": "high"}
    )
    assert answer.status_code == 404
    assert answer.json()["error_code"] == 3001

"""After a ticket is resolved, the portal asks its client for a rating: good or bad, with an
optional comment, once per resolution. Agents see it on the ticket, the inbox shows the share of
good ratings, the API lists them, and the events never carry them."""

import json
from typing import Any

from hookdesk.models.ratings import TicketRating
from hookdesk.models.webhooks import OutboxEvent
from tests.support.api import Api
from tests.support.golden import golden
from tests.support.pages import agent_session, client_session

FORM_HEADING = "How did we do?"


def resolved_ticket(api: Api) -> tuple[dict[str, Any], dict[str, str], str]:
    """A resolved ticket, and its client's portal cookie and CSRF token."""
    client = api.client()
    ticket = api.ticket(client_id=client["id"])
    api.ok(api.post(f"/v2/agency/tickets/resolve/{ticket['id']}"), "ticket")
    headers, csrf = client_session(api, client["id"])
    return ticket, headers, csrf


def rate(api: Api, ticket_id: str, headers: dict[str, str], **form: str) -> int:
    answer = api.http.post(
        f"/portal/tickets/{ticket_id}/rating", data=form, headers=headers, follow_redirects=False
    )
    return answer.status_code


def test_a_resolved_ticket_asks_for_a_rating_once(api: Api) -> None:
    ticket, headers, csrf = resolved_ticket(api)
    page = api.http.get(f"/portal/tickets/{ticket['id']}", headers=headers)
    assert FORM_HEADING in page.text
    sent = rate(api, ticket["id"], headers, csrf_token=csrf, rating="good", comment=" Quick! ")
    assert sent == 303
    page = api.http.get(f"/portal/tickets/{ticket['id']}", headers=headers)
    assert FORM_HEADING not in page.text
    assert "Thank you for your rating:" in page.text and "“Quick!”" in page.text
    again = rate(api, ticket["id"], headers, csrf_token=csrf, rating="bad")
    assert again == 303  # the same form posted twice: the first rating stays
    listed = api.ok(api.get("/v2/agency/ratings/list"), "ticket_ratings")
    assert [(r["ticket_id"], r["good"], r["comment"]) for r in listed] == [
        (ticket["id"], True, "Quick!")
    ]
    assert list(listed[0]) == ["id", "object", "ticket_id", "good", "comment", "created_at"]


def test_a_ticket_reopened_and_resolved_again_can_be_rated_again(api: Api) -> None:
    ticket, headers, csrf = resolved_ticket(api)
    assert rate(api, ticket["id"], headers, csrf_token=csrf, rating="bad") == 303
    reply = {"reply": "One more thing."}
    api.ok(api.post(f"/v2/agency/tickets/reply/create/{ticket['id']}", reply), "ticket")
    open_page = api.http.get(f"/portal/tickets/{ticket['id']}", headers=headers)
    assert FORM_HEADING not in open_page.text and "Mark as resolved" in open_page.text
    api.ok(api.post(f"/v2/agency/tickets/resolve/{ticket['id']}"), "ticket")
    assert FORM_HEADING in api.http.get(f"/portal/tickets/{ticket['id']}", headers=headers).text
    assert rate(api, ticket["id"], headers, csrf_token=csrf, rating="good") == 303
    assert api.count(TicketRating) == 2
    listed = api.ok(api.get("/v2/agency/ratings/list", ticket_id=ticket["id"]), "ticket_ratings")
    assert sorted(r["good"] for r in listed) == [False, True]


def test_an_open_ticket_cannot_be_rated(api: Api) -> None:
    client = api.client()
    ticket = api.ticket(client_id=client["id"])
    headers, csrf = client_session(api, client["id"])
    page = api.http.get(f"/portal/tickets/{ticket['id']}", headers=headers)
    assert FORM_HEADING not in page.text
    assert rate(api, ticket["id"], headers, csrf_token=csrf, rating="good") == 400
    assert api.count(TicketRating) == 0


def test_a_rating_needs_a_choice_and_a_short_comment(api: Api) -> None:
    ticket, headers, csrf = resolved_ticket(api)
    answer = api.http.post(
        f"/portal/tickets/{ticket['id']}/rating",
        data={"csrf_token": csrf, "comment": "x" * 2001},
        headers=headers,
    )
    assert answer.status_code == 400
    assert 'id="e-rating" class="error" role="alert">Choose good or bad.' in answer.text
    assert "Keep the comment under 2,000 characters." in answer.text
    assert api.count(TicketRating) == 0


def test_another_clients_ticket_cannot_be_rated(api: Api) -> None:
    ticket, _, _ = resolved_ticket(api)
    headers, csrf = client_session(api, api.client()["id"])
    assert rate(api, ticket["id"], headers, csrf_token=csrf, rating="good") == 404
    assert api.count(TicketRating) == 0


def test_ratings_never_enter_the_events(api: Api) -> None:
    ticket, headers, csrf = resolved_ticket(api)
    before = api.count(OutboxEvent)
    rate(api, ticket["id"], headers, csrf_token=csrf, rating="bad", comment="Too slow")
    assert api.count(OutboxEvent) == before
    api.ok(
        api.post(f"/v2/agency/tickets/reply/create/{ticket['id']}", {"reply": "Sorry"}), "ticket"
    )
    api.ok(api.post(f"/v2/agency/tickets/resolve/{ticket['id']}"), "ticket")
    for event in api.events():
        data = json.loads(event.data)
        expected = golden(event.event_type)["data"]
        assert list(data) == list(expected)
        assert list(data["ticket"]) == list(expected["ticket"])
        assert "rating" not in event.data and "Too slow" not in event.data


def test_agents_see_the_rating_and_the_share_of_good_ones(api: Api) -> None:
    ticket, headers, csrf = resolved_ticket(api)
    agent, _ = agent_session(api)
    inbox = api.http.get("/console", headers=agent)
    assert "none over 7 days" in inbox.text
    rate(api, ticket["id"], headers, csrf_token=csrf, rating="good", comment="Thanks")
    other, other_headers, other_csrf = resolved_ticket(api)
    rate(api, other["id"], other_headers, csrf_token=other_csrf, rating="bad")
    page = api.http.get(f"/console/tickets/{ticket['id']}", headers=agent)
    assert "Client's rating:" in page.text and "“Thanks”" in page.text
    inbox = api.http.get("/console", headers=agent)
    assert "50% good over 7 days (2)" in inbox.text and "50% good over 30 days (2)" in inbox.text


def test_erasing_a_client_erases_their_ratings(api: Api) -> None:
    ticket, headers, csrf = resolved_ticket(api)
    rate(api, ticket["id"], headers, csrf_token=csrf, rating="good", comment="Nice")
    client_id = ticket["client"]["id"]
    api.ok(api.post(f"/v2/agency/clients/delete/{client_id}"), "client_erasure")
    assert api.count(TicketRating) == 0


def test_the_ratings_list_refuses_a_bad_time(api: Api) -> None:
    answer = api.get("/v2/agency/ratings/list", **{"from": "yesterday"})
    assert answer.status_code == 400
    assert answer.json()["error"].startswith("from: ")

"""Bulk changes in the inbox: each chosen ticket its own change with its own event, then back to
the same inbox with what was done."""

from typing import Any
from urllib.parse import parse_qs, urlsplit

from httpx import Response

from hookdesk.webhooks.catalog import EventType
from tests.support.api import Api
from tests.support.pages import agent_session


def post_bulk(api: Api, headers: dict[str, str], csrf: str, query: str, **form: Any) -> Response:
    data = {"csrf_token": csrf, **form}
    return api.http.post(
        f"/console/bulk{query}", data=data, headers=headers, follow_redirects=False
    )


def of_type(api: Api, event_type: EventType) -> list[str]:
    return [e.ticket_id or "" for e in api.events() if e.event_type == event_type]


def test_resolving_three_tickets_makes_three_changes_and_says_so(api: Api) -> None:
    headers, csrf = agent_session(api)
    tickets = [api.ticket()["id"] for _ in range(3)]
    untouched = api.ticket()["id"]
    answer = post_bulk(
        api, headers, csrf, "?view=open&sort=oldest", ticket_id=tickets, action="resolve"
    )
    assert answer.status_code == 303
    location = urlsplit(answer.headers["location"])
    assert location.path == "/console"
    assert parse_qs(location.query) == {
        "sort": ["oldest"],
        "done": ["resolved"],
        "n": ["3"],
        "skipped": ["0"],
    }
    assert sorted(of_type(api, EventType.TICKET_RESOLVED)) == sorted(tickets)
    still_open = {
        t: api.ok(api.get(f"/v2/agency/tickets/retrieve/{t}"), "ticket")["is_open"]
        for t in [*tickets, untouched]
    }
    assert still_open == {**dict.fromkeys(tickets, False), untouched: True}

    page = api.http.get(answer.headers["location"], headers=headers)
    assert "3 tickets resolved." in page.text

    again = post_bulk(api, headers, csrf, "", ticket_id=[tickets[0], untouched], action="resolve")
    page = api.http.get(again.headers["location"], headers=headers)
    assert "1 ticket resolved. 1 unchanged." in page.text
    assert len(of_type(api, EventType.TICKET_RESOLVED)) == 4


def test_assigning_in_bulk_emits_one_assigned_event_per_ticket(api: Api) -> None:
    headers, csrf = agent_session(api)
    ana = api.teammate(name="Ana")
    tickets = [api.ticket()["id"] for _ in range(4)]
    answer = post_bulk(
        api, headers, csrf, "", ticket_id=tickets, action="assign", teammate_id=ana["id"]
    )
    assert answer.status_code == 303
    assert sorted(of_type(api, EventType.TICKET_ASSIGNED)) == sorted(tickets)
    for ticket_id in tickets:
        ticket = api.ok(api.get(f"/v2/agency/tickets/retrieve/{ticket_id}"), "ticket")
        assert ticket["teammate_id"] == ana["id"]
    page = api.http.get(answer.headers["location"], headers=headers)
    assert "4 tickets assigned to Ana." in page.text

    unassign = post_bulk(api, headers, csrf, "", ticket_id=tickets[:2], action="assign")
    page = api.http.get(unassign.headers["location"], headers=headers)
    assert "2 tickets unassigned." in page.text
    assert len(of_type(api, EventType.TICKET_ASSIGNED)) == 6


def test_tagging_in_bulk_adds_the_tag_and_keeps_the_others(api: Api) -> None:
    headers, csrf = agent_session(api)
    first, second = api.ticket()["id"], api.ticket()["id"]
    api.post(f"/v2/agency/tickets/update/{first}", {"tags": ["vip"]})
    answer = post_bulk(
        api, headers, csrf, "", ticket_id=[first, second], action="tag", new_tag=" Billing "
    )
    assert answer.status_code == 303
    tags = {
        t: api.ok(api.get(f"/v2/agency/tickets/retrieve/{t}"), "ticket")["tags"]
        for t in (first, second)
    }
    assert tags == {first: ["billing", "vip"], second: ["billing"]}
    page = api.http.get(answer.headers["location"], headers=headers)
    assert "2 tickets tagged “billing”." in page.text
    again = post_bulk(api, headers, csrf, "", ticket_id=[first], action="tag", new_tag="vip")
    assert (
        "0 tickets tagged “vip”. 1 unchanged."
        in api.http.get(again.headers["location"], headers=headers).text
    )


def test_another_accounts_ticket_is_left_alone(api: Api, other_api: Api) -> None:
    headers, csrf = agent_session(api)
    mine, theirs = api.ticket()["id"], other_api.ticket()["id"]
    answer = post_bulk(
        api, headers, csrf, "", ticket_id=[mine, theirs, "not-an-id"], action="resolve"
    )
    page = api.http.get(answer.headers["location"], headers=headers)
    assert "1 ticket resolved. 2 unchanged." in page.text
    assert of_type(other_api, EventType.TICKET_RESOLVED) == []


def test_a_bulk_post_without_tickets_or_with_a_bad_tag_is_refused_on_the_page(api: Api) -> None:
    headers, csrf = agent_session(api)
    ticket = api.ticket()["id"]
    for form, message in (
        ({"action": "resolve"}, "Choose one or more tickets first."),
        ({"ticket_id": ticket, "action": "tag", "new_tag": "a,b"}, "A tag cannot hold a comma."),
        ({"ticket_id": ticket, "action": "tag", "new_tag": " "}, "Type the tag to add."),
        ({"ticket_id": ticket, "action": "assign", "teammate_id": "x"}, "Choose a teammate"),
        ({"ticket_id": ticket, "action": "delete"}, "Choose what to do with the tickets."),
    ):
        answer = post_bulk(api, headers, csrf, "?view=waiting", **form)
        assert answer.status_code == 400, form
        assert message in answer.text
        assert 'aria-current="page">Waiting on us' in answer.text
    assert of_type(api, EventType.TICKET_RESOLVED) == []


def test_a_bulk_post_without_the_forms_token_changes_nothing(api: Api) -> None:
    headers, _ = agent_session(api)
    ticket = api.ticket()["id"]
    answer = post_bulk(api, headers, "forged", "", ticket_id=ticket, action="resolve")
    assert answer.status_code == 403
    assert of_type(api, EventType.TICKET_RESOLVED) == []

"""The console's inbox over HTTP: its order, the "waiting on us" mark, the views' counts and the
filters (on both databases)."""

import re

from sqlalchemy import update

from hookdesk.models.tickets import Ticket
from tests.support.api import Api
from tests.support.pages import agent_session


def listed(html: str) -> list[str]:
    """The ids of the tickets listed, in the page's order."""
    return re.findall(r'<tr data-ticket="([^"]+)"', html)


def counts(html: str) -> dict[str, int]:
    return {view: int(n) for view, n in re.findall(r'data-view="(\w+)">(\d+)<', html)}


def last_active(api: Api, ticket_id: str, at: int) -> None:
    """Moves a ticket's last activity, which is whole seconds, without waiting for the clock."""
    with api.db.transaction() as session:
        session.execute(update(Ticket).where(Ticket.id == ticket_id).values(updated_at=at))


def test_the_inbox_lists_the_last_active_first_and_the_order_can_be_chosen(api: Api) -> None:
    headers, _ = agent_session(api)
    older = api.ticket(title="Asked first")
    newer = api.ticket(title="Asked second")
    api.post(f"/v2/agency/tickets/reply/create/{older['id']}", {"reply": "Any news?"})
    last_active(api, older["id"], newer["updated_at"] + 60)

    page = api.http.get("/console", headers=headers)
    assert listed(page.text) == [older["id"], newer["id"]]
    for sort, expected in (
        ("newest", [newer["id"], older["id"]]),
        ("oldest", [older["id"], newer["id"]]),
        ("quiet", [newer["id"], older["id"]]),
    ):
        page = api.http.get("/console", params={"sort": sort}, headers=headers)
        assert listed(page.text) == expected, sort
        assert f'<option value="{sort}" selected>' in page.text


def test_a_ticket_whose_last_message_is_the_clients_is_marked_waiting_on_us(api: Api) -> None:
    headers, _ = agent_session(api)
    asked = api.ticket(title="Printer on fire", is_client_reply=True)
    by_agent = api.ticket(title="Opened by an agent")
    page = api.http.get("/console", headers=headers)
    assert counts(page.text)["waiting"] == 1
    assert page.text.count("waiting on us</span>") == 1
    assert listed(api.http.get("/console?view=waiting", headers=headers).text) == [asked["id"]]

    reply = f"/v2/agency/tickets/reply/create/{asked['id']}"
    api.post(reply, {"reply": "We are on it."})
    assert listed(api.http.get("/console?view=waiting", headers=headers).text) == []
    api.post(reply, {"reply": "It is still burning.", "is_client_reply": True})
    api.post(
        f"/v2/agency/tickets/reply/create/{by_agent['id']}",
        {"reply": "Me too", "is_client_reply": True},
    )
    waiting = api.http.get("/console?view=waiting", headers=headers).text
    assert set(listed(waiting)) == {asked["id"], by_agent["id"]}


def test_each_view_shows_how_many_tickets_it_holds(api: Api) -> None:
    headers, _ = agent_session(api)
    me = api.get("/v2/agency/teammates/list").json()["teammates"][0]["id"]
    other = api.teammate()
    mine = api.ticket(is_client_reply=True)
    api.post(f"/v2/agency/tickets/assign/{mine['id']}", {"teammate_id": me})
    theirs = api.ticket()
    api.post(f"/v2/agency/tickets/assign/{theirs['id']}", {"teammate_id": other["id"]})
    api.ticket()
    resolved = api.ticket()
    api.post(f"/v2/agency/tickets/resolve/{resolved['id']}")

    page = api.http.get("/console", headers=headers)
    assert counts(page.text) == {
        "open": 3,
        "mine": 1,
        "unassigned": 1,
        "waiting": 1,
        "closed": 1,
    }
    assert "3 tickets" in page.text
    closed = api.http.get("/console?view=closed", headers=headers)
    assert listed(closed.text) == [resolved["id"]]


def test_the_inbox_filters_by_agent_tag_priority_and_opening_day(api: Api) -> None:
    headers, _ = agent_session(api)
    agent = api.teammate()
    assigned = api.ticket(title="Assigned one")
    api.post(f"/v2/agency/tickets/assign/{assigned['id']}", {"teammate_id": agent["id"]})
    tagged = api.ticket(title="Tagged one")
    api.post(f"/v2/agency/tickets/update/{tagged['id']}", {"tags": ["billing"]})
    urgent = api.ticket(title="Urgent one")
    api.post(f"/v2/agency/tickets/update/{urgent['id']}", {"priority": "urgent"})
    long_ago = api.ticket(title="Old one")
    with api.db.transaction() as session:
        session.execute(
            update(Ticket).where(Ticket.id == long_ago["id"]).values(created_at=1_700_000_000)
        )  # 2023-11-14 22:13 UTC

    for params, expected in (
        ({"agent": agent["id"]}, [assigned["id"]]),
        ({"tag": " Billing "}, [tagged["id"]]),
        ({"priority": "urgent"}, [urgent["id"]]),
        ({"from": "2023-11-14", "to": "2023-11-14"}, [long_ago["id"]]),
        ({"to": "2023-11-13"}, []),
    ):
        page = api.http.get("/console", params=params, headers=headers)
        assert page.status_code == 200
        assert listed(page.text) == expected, params
        assert counts(page.text)["open"] == len(expected), params


def test_a_date_that_is_not_one_is_named_beside_its_field(api: Api) -> None:
    headers, _ = agent_session(api)
    api.ticket()
    page = api.http.get("/console", params={"from": "yesterday"}, headers=headers)
    assert page.status_code == 400
    assert 'id="e-from"' in page.text and "Use a date like" in page.text
    assert len(listed(page.text)) == 1  # the other filters still apply


def test_tabs_and_pages_keep_the_filters(api: Api) -> None:
    headers, _ = agent_session(api)
    api.ticket()
    page = api.http.get("/console", params={"tag": "vip", "sort": "oldest"}, headers=headers)
    assert 'href="/console?view=closed&amp;tag=vip&amp;sort=oldest"' in page.text


def test_the_page_script_gets_the_list_alone(api: Api) -> None:
    headers, _ = agent_session(api)
    ticket = api.ticket()
    fragment = api.http.get("/console", headers={**headers, "HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and 'role="search"' not in fragment.text
    assert listed(fragment.text) == [ticket["id"]]
    assert fragment.headers["vary"] == "HX-Request"

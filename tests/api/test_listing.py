"""GET /v2/agency/tickets/list: every filter, sort and paging."""

import pytest
from sqlalchemy import delete, update

from hookdesk.models.tickets import Ticket
from tests.support.api import Api


def set_created_at(api: Api, ticket_id: str, at: int) -> None:
    with api.db.transaction() as session:
        session.execute(
            update(Ticket)
            .where(Ticket.id == ticket_id)
            .values(created_at=at, created_us=at * 1_000_000)
        )


def titles(api: Api, **params) -> list[str]:
    body = api.get("/v2/agency/tickets/list", **{"page": 1, "per_page": 100, **params}).json()
    assert body["status"] == 200, body
    assert body["total_results"] == len(body["tickets"])
    return [t["title"] for t in body["tickets"]]


@pytest.fixture
def three(api: Api) -> dict:
    client_a, client_b = api.client(), api.client()
    agent = api.teammate()
    category = api.category()
    tickets = {
        "Bravo": api.ticket(title="Bravo", client_id=client_a["id"], category=category["id"]),
        "alpha": api.ticket(
            title="alpha",
            client_id=client_b["id"],
            category=category["id"],
            description="Refund 50% please",
        ),
        "Charlie": api.ticket(title="Charlie", client_id=client_a["id"], category=category["id"]),
    }
    for at, name in zip((1000, 2000, 3000), ("Bravo", "alpha", "Charlie"), strict=True):
        set_created_at(api, tickets[name]["id"], at)
    api.post(f"/v2/agency/tickets/assign/{tickets['Charlie']['id']}", {"teammate_id": agent["id"]})
    api.post(f"/v2/agency/tickets/resolve/{tickets['Bravo']['id']}")
    api.post(
        f"/v2/agency/tickets/reply/create/{tickets['Charlie']['id']}", {"reply": "Invoice_7 sent"}
    )
    return {"tickets": tickets, "client_a": client_a, "client_b": client_b, "agent": agent}


def test_newest_first_by_default(api: Api, three) -> None:
    assert titles(api) == ["Charlie", "alpha", "Bravo"]
    assert titles(api, order="asc") == ["Bravo", "alpha", "Charlie"]


def test_sort_by_title(api: Api, three) -> None:
    ascending = titles(api, sort_by="title", order="asc")
    assert sorted(ascending, key=str.lower) == sorted(["Bravo", "alpha", "Charlie"], key=str.lower)
    assert titles(api, sort_by="title", order="desc") == list(reversed(ascending))


def test_filter_by_text_in_title_or_replies(api: Api, three) -> None:
    assert titles(api, filter="ALPH") == ["alpha"]
    assert titles(api, filter="invoice_7") == ["Charlie"]
    assert titles(api, filter="50%") == ["alpha"]
    assert titles(api, filter="5%") == []  # % is literal text, not a wildcard
    assert titles(api, filter="_") == ["Charlie"]
    assert titles(api, filter="nothing like this") == []


def test_filter_by_time_in_seconds_or_iso(api: Api, three) -> None:
    assert titles(api, **{"from": 2000}) == ["Charlie", "alpha"]
    assert titles(api, to=2000) == ["alpha", "Bravo"]
    assert titles(api, **{"from": "1970-01-01T00:25:00Z", "to": "1970-01-01T00:40:00+00:00"}) == [
        "alpha"
    ]


def test_filter_by_state_teammate_and_client(api: Api, three) -> None:
    assert titles(api, closed="true") == ["Bravo"]
    assert titles(api, closed="false") == ["Charlie", "alpha"]
    assert titles(api, teammate_id=three["agent"]["id"]) == ["Charlie"]
    assert titles(api, client_id=three["client_a"]["id"]) == ["Charlie", "Bravo"]
    assert titles(api, client_id=three["client_a"]["id"], closed="false") == ["Charlie"]


def test_paging_counts_all_and_returns_a_slice(api: Api, three) -> None:
    pages = [api.get("/v2/agency/tickets/list", page=n, per_page=2).json() for n in (1, 2, 3)]
    assert [p["total_results"] for p in pages] == [3, 3, 3]
    assert [[t["title"] for t in p["tickets"]] for p in pages] == [
        ["Charlie", "alpha"],
        ["Bravo"],
        [],
    ]


def test_listed_tickets_are_full_ticket_objects(api: Api, three) -> None:
    listed = api.get("/v2/agency/tickets/list", page=1, per_page=10).json()["tickets"]
    for ticket in listed:
        assert ticket == api.ok(api.get(f"/v2/agency/tickets/retrieve/{ticket['id']}"), "ticket")


def test_other_lists_page_too(api: Api) -> None:
    for n in range(3):
        api.client(name=f"C{n}")
    first = api.get("/v2/agency/clients/list", page=1, per_page=2).json()
    second = api.get("/v2/agency/clients/list", page=2, per_page=2).json()
    assert first["total_results"] == second["total_results"] == 3
    assert len(first["clients"]) == 2
    assert len(second["clients"]) == 1
    ids = {c["id"] for c in first["clients"]} | {c["id"] for c in second["clients"]}
    assert len(ids) == 3


def test_tickets_of_the_same_second_list_newest_first(api: Api) -> None:
    category = api.category()
    client = api.client()
    made = [
        api.ticket(title=f"T{n}", category=category["id"], client_id=client["id"]) for n in range(5)
    ]
    assert titles(api) == [t["title"] for t in reversed(made)]
    assert titles(api, order="asc") == [t["title"] for t in made]


def set_updated_at(api: Api, ticket_id: str, at: int) -> None:
    with api.db.transaction() as session:
        session.execute(update(Ticket).where(Ticket.id == ticket_id).values(updated_at=at))


def test_sort_by_last_activity(api: Api, three) -> None:
    for name, at in (("Bravo", 1000), ("alpha", 2000), ("Charlie", 3000)):
        set_updated_at(api, three["tickets"][name]["id"], at)
    assert titles(api, sort_by="updated_at") == ["Charlie", "alpha", "Bravo"]
    # A client's reply to the oldest ticket brings it to the top.
    bravo = three["tickets"]["Bravo"]["id"]
    body = {"reply": "Still broken", "is_client_reply": True}
    api.ok(api.post(f"/v2/agency/tickets/reply/create/{bravo}", body), "ticket")
    assert titles(api, sort_by="updated_at") == ["Bravo", "Charlie", "alpha"]
    assert titles(api, sort_by="updated_at", order="asc") == ["alpha", "Charlie", "Bravo"]
    # So do an assignment and a resolution.
    api.ok(api.post(f"/v2/agency/tickets/resolve/{three['tickets']['alpha']['id']}"), "ticket")
    assert titles(api, sort_by="updated_at")[0] == "alpha"
    set_updated_at(api, three["tickets"]["alpha"]["id"], 2000)
    agent = {"teammate_id": three["agent"]["id"]}
    api.ok(
        api.post(f"/v2/agency/tickets/assign/{three['tickets']['alpha']['id']}", agent), "ticket"
    )
    assert titles(api, sort_by="updated_at")[0] == "alpha"


def test_tags_priority_and_notes_are_no_activity(api: Api, three) -> None:
    for name, at in (("Bravo", 1000), ("alpha", 2000), ("Charlie", 3000)):
        set_updated_at(api, three["tickets"][name]["id"], at)
    bravo = three["tickets"]["Bravo"]["id"]
    changed = {"tags": ["billing"], "priority": "urgent"}
    updated = api.ok(api.post(f"/v2/agency/tickets/update/{bravo}", changed), "ticket")
    assert updated["updated_at"] == 1000
    assert titles(api, sort_by="updated_at") == ["Charlie", "alpha", "Bravo"]


def test_tickets_of_the_same_second_keep_their_order_by_activity(api: Api) -> None:
    category = api.category()
    made = [api.ticket(title=f"T{n}", category=category["id"]) for n in range(4)]
    for ticket in made:
        set_updated_at(api, ticket["id"], 5000)
    assert titles(api, sort_by="updated_at") == [t["title"] for t in reversed(made)]
    assert titles(api, sort_by="updated_at", order="asc") == [t["title"] for t in made]


def test_filter_matches_the_clients_name_and_email(api: Api) -> None:
    category = api.category()
    ada = api.client(name="Ada Lovelace", email="ada@analytical.example")
    bob = api.client(name="Bob Stone", email="bob@quarry.example")
    api.ticket(title="First", client_id=ada["id"], category=category["id"])
    api.ticket(title="Second", client_id=bob["id"], category=category["id"])
    assert titles(api, filter="lovelace") == ["First"]
    assert titles(api, filter="QUARRY.example") == ["Second"]
    assert titles(api, filter="o") == ["Second", "First"]
    assert titles(api, filter="b%") == []  # still literal text


def test_filter_by_tag_and_priority(api: Api, three) -> None:
    tickets = three["tickets"]
    update_body = {"tags": ["Billing", "vip"], "priority": "high"}
    api.ok(api.post(f"/v2/agency/tickets/update/{tickets['alpha']['id']}", update_body), "ticket")
    api.ok(
        api.post(f"/v2/agency/tickets/update/{tickets['Bravo']['id']}", {"tags": ["billing"]}),
        "ticket",
    )
    assert titles(api, tag="billing") == ["alpha", "Bravo"]
    assert titles(api, tag=" BILLING ") == ["alpha", "Bravo"]
    assert titles(api, tag="vip") == ["alpha"]
    assert titles(api, tag="unknown") == []
    assert titles(api, priority="high") == ["alpha"]
    assert titles(api, priority="normal") == ["Charlie", "Bravo"]
    assert titles(api, priority="urgent") == []
    assert titles(api, tag="billing", priority="normal") == ["Bravo"]


def test_bad_priority_or_sort_filter_is_a_clear_400(api: Api, three) -> None:
    for params in ({"priority": "critical"}, {"sort_by": "activity"}):
        answer = api.get("/v2/agency/tickets/list", page=1, per_page=10, **params)
        assert answer.status_code == 400, answer.text
        body = answer.json()
        assert body["error_code"] == 1002
        assert next(iter(params)) in body["error"]


def test_the_unfiltered_total_counts_the_accounts_tickets_alone(api: Api, other_api: Api) -> None:
    """Read from the kept counts: the account's own tickets, after a deletion too, in any order;
    a filter's total is still counted among the tickets it keeps."""
    kept = [api.ticket() for _ in range(3)]
    other_api.ticket()
    with api.db.transaction() as session:
        session.execute(delete(Ticket).where(Ticket.id == kept[0]["id"]))
    for order in ({}, {"order": "asc", "sort_by": "updated_at"}):
        body = api.get("/v2/agency/tickets/list", page=1, per_page=1, **order).json()
        assert body["total_results"] == 2, body
    closed = api.get("/v2/agency/tickets/list", page=1, per_page=1, closed="true").json()
    assert closed["total_results"] == 0, closed
    fresh = api.get("/v2/agency/tickets/list", page=1, per_page=1).json()
    assert other_api.get("/v2/agency/tickets/list", page=1, per_page=5).json()["total_results"] == 1
    assert fresh["tickets"][0]["id"] == kept[2]["id"]

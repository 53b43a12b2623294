"""Each ticket change queues its notifications in its own transaction, one per recipient."""

from uuid import UUID

from hookdesk.mail import outbox
from hookdesk.tickets import service as tickets
from tests.support.api import Api

TICKETS = "/v2/agency/tickets"


def messages(api: Api, **filters: object) -> list[dict]:
    body = api.get("/v2/agency/mail/messages/list", per_page=100, **filters).json()
    assert body["status"] == 200, body
    return body["mail_messages"]


def sent_to(api: Api, **filters: object) -> set[tuple[str, str]]:
    return {(m["kind"], m["to"]) for m in messages(api, **filters)}


def test_a_new_ticket_tells_the_client_and_every_teammate(api: Api) -> None:
    ada, bob = api.teammate(), api.teammate()
    client = api.client()
    ticket = api.ticket(client_id=client["id"], is_client_reply=True)
    assert sent_to(api) == {
        ("ticket_opened", client["email"]),
        ("new_ticket", ada["email"]),
        ("new_ticket", bob["email"]),
    }
    [message] = [
        m
        for m in messages(api, direction="outbound", status="pending")
        if m["to"] == client["email"]
    ]
    assert message["ticket_id"] == ticket["id"]
    assert message["object"] == "mail_message"
    assert message["attempt_count"] == 0


def test_a_category_with_an_assignee_tells_only_the_assignee(api: Api) -> None:
    ada, _bob = api.teammate(), api.teammate()
    category = api.category(teammate_id=ada["id"])
    client = api.client()
    ticket = api.ticket(client_id=client["id"], category=category["id"])
    assert ("new_ticket", ada["email"]) in sent_to(api)
    assert len([m for m in messages(api) if m["kind"] == "new_ticket"]) == 1
    api.ok(
        api.post(
            f"{TICKETS}/reply/create/{ticket['id']}", {"reply": "More", "is_client_reply": True}
        ),
        "ticket",
    )
    assert [m["to"] for m in messages(api) if m["kind"] == "client_replied"] == [ada["email"]]


def test_replies_assignments_and_resolutions_tell_who_they_concern(api: Api) -> None:
    ada = api.teammate()
    client = api.client()
    ticket = api.ticket(client_id=client["id"])
    before = {m["id"] for m in messages(api)}
    api.ok(api.post(f"{TICKETS}/reply/create/{ticket['id']}", {"reply": "On it."}), "ticket")
    api.ok(api.post(f"{TICKETS}/assign/{ticket['id']}", {"teammate_id": ada["id"]}), "ticket")
    api.ok(api.post(f"{TICKETS}/resolve/{ticket['id']}", {}), "ticket")
    added = [(m["kind"], m["to"]) for m in messages(api) if m["id"] not in before]
    assert sorted(added) == sorted(
        [
            ("agent_replied", client["email"]),
            ("ticket_assigned", ada["email"]),
            ("ticket_resolved", client["email"]),
        ]
    )


def test_an_account_can_turn_notifications_off(api: Api) -> None:
    api.teammate()
    api.ok(api.post("/v2/agency/mail/update", {"notify_clients": False}), "mail_settings")
    api.ticket()
    assert {kind for kind, _to in sent_to(api)} == {"new_ticket"}
    api.ok(api.post("/v2/agency/mail/update", {"notify_teammates": False}), "mail_settings")
    api.ticket()
    assert len(messages(api)) == 1


def test_a_change_that_fails_queues_nothing(api: Api) -> None:
    response = api.post(
        f"{TICKETS}/reply/create/6a1c6d8e-9d0e-4a4e-b8a3-5a5d4c6b7e8f", {"reply": "x"}
    )
    assert response.status_code == 404
    bad = api.post(
        f"{TICKETS}/create",
        {
            "client_id": api.client()["id"],
            "title": "t",
            "description": "d",
            "category": "6a1c6d8e-9d0e-4a4e-b8a3-5a5d4c6b7e8f",
        },
    )
    assert bad.status_code == 400
    assert messages(api) == []


def test_the_log_filters_and_retrieves_with_attempts(api: Api, other_api: Api) -> None:
    api.teammate()
    ticket = api.ticket()
    other_ticket = other_api.ticket()
    assert {m["ticket_id"] for m in messages(api, ticket_id=ticket["id"])} == {ticket["id"]}
    assert messages(api, ticket_id=other_ticket["id"]) == []
    assert messages(api, direction="inbound") == []
    assert messages(api, status="sent") == []
    first = messages(api)[0]
    shown = api.ok(api.get(f"/v2/agency/mail/messages/retrieve/{first['id']}"), "mail_message")
    assert shown["attempts"] == []
    assert {k: v for k, v in shown.items() if k != "attempts"} == first
    missing = other_api.get(f"/v2/agency/mail/messages/retrieve/{first['id']}")
    assert missing.status_code == 404
    assert api.get("/v2/agency/mail/messages/list", status="bogus").status_code == 400


def test_portal_links_go_only_to_clients_and_a_few_per_quarter_hour(api: Api) -> None:
    client = api.client(email="james@example.com")
    with api.db.write() as session:
        asked = [
            outbox.queue_portal_link(session, account_id=api.account_id, email="James@Example.com")
            for _ in range(5)
        ]
        stranger = outbox.queue_portal_link(
            session, account_id=api.account_id, email="eve@example.com"
        )
    assert asked == [True, True, True, False, False]
    assert stranger is False
    links = [m for m in messages(api) if m["kind"] == "portal_link"]
    assert len(links) == 3 and {m["to"] for m in links} == {client["email"]}
    assert all(m["ticket_id"] is None for m in links)


def test_a_teammate_is_not_told_of_their_own_assignment(api: Api) -> None:
    ada, bob = api.teammate(), api.teammate()
    ticket = api.ticket()
    scope = tickets.TicketScope(account_id=api.account_id, public_url="http://testserver")
    with api.db.write() as session:
        tickets.assign(session, scope, ticket["id"], UUID(ada["id"]), actor_id=ada["id"])
    assert [m for m in messages(api) if m["kind"] == "ticket_assigned"] == []
    with api.db.write() as session:
        tickets.assign(session, scope, ticket["id"], UUID(bob["id"]), actor_id=ada["id"])
    assert [m["to"] for m in messages(api) if m["kind"] == "ticket_assigned"] == [bob["email"]]

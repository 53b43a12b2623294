import json
import uuid

from sqlalchemy import select

from hookdesk.models.mail import MailMessage
from hookdesk.models.tickets import Reply, Ticket
from hookdesk.models.webhooks import WebhookEvent
from hookdesk.tickets import activity
from tests.support.api import Api, as_in_events
from tests.support.golden import golden, shape
from tests.support.webhooks import endpoint

AUTO_REPLY = "Thanks for contacting our support. An agent will be with you shortly."


def event_ticket(api: Api, index: int = -1) -> dict:
    return json.loads(api.events()[index].data)["ticket"]


def test_create_opens_a_ticket_with_description_then_automated_reply(api: Api) -> None:
    agent = api.teammate()
    category = api.category(automated_reply=AUTO_REPLY, teammate_id=agent["id"], language="fr")
    client = api.client(name="James Doe", email="client.doe@plugnpaid.com")
    ticket = api.ticket(
        client_id=client["id"], category=category["id"], description="Billing is broken."
    )
    assert ticket["is_open"] is True
    assert ticket["teammate_id"] == agent["id"]
    assert ticket["language"] == "fr"
    assert ticket["category"] == "General Support"
    assert ticket["client"] == {"id": client["id"], "name": "James Doe", "email": client["email"]}
    assert [r["text"] for r in ticket["replies"]] == ["Billing is broken.", AUTO_REPLY]
    assert [r["is_client_reply"] for r in ticket["replies"]] == [False, False]
    assert ticket["created_at"] == ticket["updated_at"] == ticket["replies"][0]["created_at"]


def test_created_event_carries_the_same_ticket_object_as_the_api(api: Api) -> None:
    ticket = api.ticket(is_client_reply=True)
    [event] = api.events()
    assert event.event_type == "whitelabel.ticket.created"
    assert event.ticket_id == ticket["id"]
    assert json.loads(event.data) == {"ticket": as_in_events(ticket)}
    retrieved = api.ok(api.get(f"/v2/agency/tickets/retrieve/{ticket['id']}"), "ticket")
    assert retrieved == ticket
    assert ticket["replies"][0]["is_client_reply"] is True


def test_every_event_has_the_golden_shape(api: Api) -> None:
    category = api.category(automated_reply=AUTO_REPLY)
    ticket = api.ticket(category=category["id"])
    api.post(f"/v2/agency/tickets/reply/create/{ticket['id']}", {"reply": "Looking into it."})
    teammate = api.teammate()
    api.post(f"/v2/agency/tickets/assign/{ticket['id']}", {"teammate_id": teammate["id"]})
    api.post(f"/v2/agency/tickets/resolve/{ticket['id']}")
    events = api.events()
    assert [e.event_type for e in events] == [
        "whitelabel.ticket.created",
        "whitelabel.ticket.updated",
        "whitelabel.ticket.assigned",
        "whitelabel.ticket.resolved",
    ]
    for event in events:
        expected = golden(event.event_type)["data"]
        data = json.loads(event.data)
        if event.event_type == "whitelabel.ticket.assigned":
            # the golden example has a teammate (str); only None vs str may differ elsewhere
            assert isinstance(data["ticket"]["teammate_id"], str)
        comparable = dict(data)
        comparable["ticket"] = {**data["ticket"], "teammate_id": expected["ticket"]["teammate_id"]}
        comparable["ticket"]["replies"] = data["ticket"]["replies"][:1]
        golden_ticket = {**expected["ticket"], "replies": expected["ticket"]["replies"][:1]}
        assert shape(comparable) == shape({**expected, "ticket": golden_ticket})


def test_reply_appends_and_emits_updated_with_the_reply(api: Api) -> None:
    ticket = api.ticket()
    response = api.post(
        f"/v2/agency/tickets/reply/create/{ticket['id']}",
        {"reply": "Still broken", "is_client_reply": True},
    )
    updated = api.ok(response, "ticket")
    assert [r["text"] for r in updated["replies"]][-1] == "Still broken"
    event = api.events()[-1]
    assert event.event_type == "whitelabel.ticket.updated"
    data = json.loads(event.data)
    assert list(data) == ["ticket", "reply"]
    assert data["reply"] == updated["replies"][-1]
    assert data["reply"]["is_client_reply"] is True
    assert data["ticket"] == as_in_events(updated)


def test_reply_to_a_resolved_ticket_reopens_it(api: Api) -> None:
    ticket = api.ticket()
    api.ok(api.post(f"/v2/agency/tickets/resolve/{ticket['id']}"), "ticket")
    reopened = api.ok(
        api.post(f"/v2/agency/tickets/reply/create/{ticket['id']}", {"reply": "Again"}), "ticket"
    )
    assert reopened["is_open"] is True
    assert [e.event_type for e in api.events()][-2:] == [
        "whitelabel.ticket.resolved",
        "whitelabel.ticket.updated",
    ]
    assert event_ticket(api)["is_open"] is True


def test_assign_emits_only_when_the_teammate_changes(api: Api) -> None:
    ticket = api.ticket()
    agent = api.teammate()
    path = f"/v2/agency/tickets/assign/{ticket['id']}"
    assigned = api.ok(api.post(path, {"teammate_id": agent["id"]}), "ticket")
    assert assigned["teammate_id"] == agent["id"]
    api.ok(api.post(path, {"teammate_id": agent["id"]}), "ticket")
    assert [e.event_type for e in api.events()].count("whitelabel.ticket.assigned") == 1
    unassigned = api.ok(api.post(path, {"teammate_id": None}), "ticket")
    assert unassigned["teammate_id"] is None
    assert event_ticket(api)["teammate_id"] is None
    api.ok(api.post(path, {"teammate_id": None}), "ticket")
    assert [e.event_type for e in api.events()].count("whitelabel.ticket.assigned") == 2


def test_resolve_by_client_or_agent_closes_and_emits(api: Api) -> None:
    for by_client in (True, False):
        ticket = api.ticket()
        resolved = api.ok(
            api.post(f"/v2/agency/tickets/resolve/{ticket['id']}", {"by_client": by_client}),
            "ticket",
        )
        assert resolved["is_open"] is False
        assert api.events()[-1].event_type == "whitelabel.ticket.resolved"
        assert event_ticket(api) == as_in_events(resolved)


def test_resolving_a_closed_ticket_is_refused_and_changes_nothing(api: Api) -> None:
    ticket = api.ticket()
    api.ok(api.post(f"/v2/agency/tickets/resolve/{ticket['id']}"), "ticket")
    before = len(api.events())
    response = api.post(f"/v2/agency/tickets/resolve/{ticket['id']}")
    assert response.status_code == 400
    assert response.json()["error_code"] == 1006
    assert len(api.events()) == before


def test_subcategory_must_be_one_of_the_category(api: Api) -> None:
    category = api.category(subcategories=["Billing", "Login"])
    ticket = api.ticket(category=category["id"], subcategory="Login")
    assert ticket["subcategory"] == "Login"
    response = api.post(
        "/v2/agency/tickets/create",
        {
            "client_id": api.client()["id"],
            "title": "t",
            "description": "d",
            "category": category["id"],
            "subcategory": "Shipping",
        },
    )
    assert response.status_code == 400
    body = response.json()
    assert body["error_code"] == 1005
    assert "Shipping" in body["error"]
    assert api.count(Ticket) == 1


def test_a_ticket_keeps_its_category_title_after_the_category_is_deleted(api: Api) -> None:
    category = api.category(title="Old Support")
    ticket = api.ticket(category=category["id"])
    api.ok(api.post(f"/v2/agency/ticket-categories/delete/{category['id']}"), "ticket_category")
    retrieved = api.ok(api.get(f"/v2/agency/tickets/retrieve/{ticket['id']}"), "ticket")
    assert retrieved["category"] == "Old Support"


def test_a_deleted_category_opens_no_ticket(api: Api) -> None:
    category = api.category()
    api.ok(api.post(f"/v2/agency/ticket-categories/delete/{category['id']}"), "ticket_category")
    body = {"client_id": api.client()["id"], "title": "t", "description": "d"}
    response = api.post("/v2/agency/tickets/create", {**body, "category": category["id"]})
    assert response.status_code == 400
    assert response.json()["error"].startswith("category: no ticket category")
    assert api.count(Ticket) == 0
    assert api.events() == []


def test_an_unknown_client_is_named_before_an_unknown_category(api: Api) -> None:
    unknown = str(uuid.uuid4())
    body = {"client_id": unknown, "title": "t", "description": "d", "category": unknown}
    response = api.post("/v2/agency/tickets/create", body)
    assert response.status_code == 400
    assert response.json()["error"] == f"client_id: no client with id '{unknown}'."


def test_a_new_ticket_records_who_opened_it(api: Api) -> None:
    ticket = api.ticket(is_client_reply=True)
    with api.db.transaction(write=False) as session:
        [opened] = activity.of_ticket(session, account_id=api.account_id, ticket_id=ticket["id"])
    assert (opened.kind, opened.by, opened.actor_id) == (
        activity.Kind.OPENED,
        activity.By.CLIENT,
        None,
    )


def test_a_create_reads_the_accounts_endpoints_and_mail_settings_once(api: Api) -> None:
    # The create reads them with its client and category, a row per endpoint: every endpoint
    # subscribed and sending gets one delivery, and the ticket is written once all the same.
    subscribed = [endpoint(api, f"https://example.com/{n}")["id"] for n in range(3)]
    endpoint(api, "https://example.com/other", events=["whitelabel.ticket.resolved"])
    disabled = endpoint(api, "https://example.com/disabled")["id"]
    api.ok(
        api.post(f"/v2/webhook-endpoints/update/{disabled}", {"status": "disabled"}),
        "webhook_endpoint",
    )
    deleted = endpoint(api, "https://example.com/deleted")["id"]
    api.ok(api.post(f"/v2/webhook-endpoints/delete/{deleted}"), "webhook_endpoint")
    api.ok(api.post("/v2/agency/mail/update", {"notify_clients": False}), "mail_settings")
    ticket = api.ticket(description="Billing is broken.")
    assert [r["text"] for r in ticket["replies"]] == ["Billing is broken."]
    assert api.count(Ticket) == 1 and api.count(Reply) == 1 and len(api.events()) == 1
    with api.db.transaction(write=False) as session:
        sent_to = session.scalars(select(WebhookEvent.endpoint_id)).all()
        mailed = session.scalars(select(MailMessage.to_address)).all()
    assert sorted(sent_to) == sorted(subscribed)
    assert mailed == []  # the client is not told, and the account has no teammate


def test_replies_keep_their_order(api: Api) -> None:
    ticket = api.ticket()
    texts = [f"reply {n}" for n in range(12)]
    for text in texts:
        api.post(f"/v2/agency/tickets/reply/create/{ticket['id']}", {"reply": text})
    retrieved = api.ok(api.get(f"/v2/agency/tickets/retrieve/{ticket['id']}"), "ticket")
    assert [r["text"] for r in retrieved["replies"]] == ["It does not work.", *texts]
    assert api.count(Reply) == 13

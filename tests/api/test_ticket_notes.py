"""Internal notes: written and listed through the agency API, and never shown to clients, sent
to endpoints or mailed."""

import json

from sqlalchemy import select

from hookdesk.access import signin
from hookdesk.models.mail import MailMessage
from hookdesk.models.webhooks import OutboxEvent
from tests.support.api import Api, new_account

UNKNOWN = "0b8a7f3e-6a38-4e0e-9c1e-1a2b3c4d5e6f"
SECRET = "Internal: the client is on the legacy plan, do not offer a refund"


def portal_pages(ticket_id: str) -> list[str]:
    return ["/portal", f"/portal/tickets/{ticket_id}", f"/portal/tickets/{ticket_id}/conversation"]


def note(api: Api, ticket_id: str, body: object) -> dict:
    return api.ok(api.post(f"/v2/agency/tickets/notes/create/{ticket_id}", body), "ticket_note")


def listed(api: Api, ticket_id: str, **params: object) -> dict:
    answer = api.get(f"/v2/agency/tickets/notes/list/{ticket_id}", **params)
    assert answer.status_code == 200, answer.text
    body: dict = answer.json()
    return body


def test_a_note_is_created_and_listed_newest_first(api: Api) -> None:
    ticket = api.ticket()
    agent = api.teammate()
    first = note(api, ticket["id"], {"text": "  Called the client.  ", "teammate_id": agent["id"]})
    assert list(first) == ["id", "object", "text", "teammate_id", "created_at"]
    assert first["object"] == "ticket_note"
    assert first["text"] == "Called the client."
    assert first["teammate_id"] == agent["id"]
    assert abs(first["created_at"] - ticket["created_at"]) < 3600
    second = note(api, ticket["id"], {"text": "Waiting on finance."})
    assert second["teammate_id"] is None
    body = listed(api, ticket["id"])
    assert body["total_results"] == 2
    assert [n["id"] for n in body["ticket_notes"]] == [second["id"], first["id"]]
    assert body["ticket_notes"][1] == first
    page_two = listed(api, ticket["id"], page=2, per_page=1)["ticket_notes"]
    assert [n["id"] for n in page_two] == [first["id"]]
    assert listed(api, api.ticket()["id"]) == {
        "status": 200,
        "total_results": 0,
        "ticket_notes": [],
    }


def test_a_note_is_no_activity_no_event_and_no_mail(api: Api) -> None:
    ticket = api.ticket(is_client_reply=True)
    events, mail = api.count(OutboxEvent), api.count(MailMessage)
    note(api, ticket["id"], {"text": SECRET, "teammate_id": api.teammate()["id"]})
    assert (api.count(OutboxEvent), api.count(MailMessage)) == (events, mail)
    # Later changes of the ticket carry no note either, in their events or their mail.
    path = f"/v2/agency/tickets/reply/create/{ticket['id']}"
    api.ok(api.post(path, {"reply": "We are on it."}), "ticket")
    api.ok(api.post(f"/v2/agency/tickets/resolve/{ticket['id']}"), "ticket")
    assert api.count(OutboxEvent) == events + 2
    retrieved = api.ok(api.get(f"/v2/agency/tickets/retrieve/{ticket['id']}"), "ticket")
    assert retrieved["updated_at"] >= ticket["updated_at"]
    assert SECRET not in json.dumps(retrieved)
    listed_tickets = api.get("/v2/agency/tickets/list", page=1, per_page=10).text
    assert SECRET not in listed_tickets
    with api.db.read() as session:
        for event in session.scalars(select(OutboxEvent)):
            assert SECRET not in event.data
        for message in session.scalars(select(MailMessage)):
            assert SECRET not in f"{message.subject} {message.to_address}"


def test_a_note_never_reaches_the_portal(api: Api) -> None:
    client = api.client()
    ticket = api.ticket(client_id=client["id"], description="My printer is on fire.")
    note(api, ticket["id"], {"text": SECRET})
    url = api.ok(api.post(f"/v2/agency/clients/portal-session/{client['id']}"), "url")
    with api.db.write() as session:
        entered = signin.enter_portal(session, url.rsplit("/", 1)[1])
    headers = {"Cookie": f"client_session={entered.started.token}"}
    pages = [api.http.get(path, headers=headers) for path in portal_pages(ticket["id"])]
    assert [page.status_code for page in pages] == [200, 200, 200]
    assert "My printer is on fire." in pages[1].text  # the conversation is there
    for page in pages:
        assert "legacy plan" not in page.text


def test_bad_notes_are_refused_with_clear_errors(api: Api) -> None:
    ticket = api.ticket()
    path = f"/v2/agency/tickets/notes/create/{ticket['id']}"
    deleted = api.teammate()
    api.ok(api.post(f"/v2/agency/teammates/delete/{deleted['id']}"), "teammate")
    cases = [
        ({}, 1002, "text is required"),
        ({"text": "   "}, 1002, "text: String should have at least 1 character"),
        ({"text": "x" * 20_001}, 1002, "text: String should have at most 20000 characters"),
        ({"text": 5}, 1002, "text: Input should be a valid string"),
        ({"text": "Hi", "teammate_id": "nobody"}, 1002, "teammate_id"),
        (
            {"text": "Hi", "teammate_id": UNKNOWN},
            1004,
            f"teammate_id: no teammate with id '{UNKNOWN}'",
        ),
        ({"text": "Hi", "teammate_id": deleted["id"]}, 1004, "teammate_id: no teammate"),
        ({"text": "Hi", "is_client_reply": True}, 1002, "is_client_reply"),
    ]
    for body, code, words in cases:
        answer = api.post(path, body)
        assert answer.status_code == 400, (body, answer.text)
        assert answer.json()["error_code"] == code, body
        assert words in answer.json()["error"], body
    assert listed(api, ticket["id"])["total_results"] == 0


def test_notes_of_unknown_or_other_accounts_tickets_are_404(api: Api) -> None:
    ticket = api.ticket()
    note(api, ticket["id"], {"text": SECRET})
    stranger = new_account(api.http, api.db, "Another Agency")
    for who, ticket_id in ((api, UNKNOWN), (api, "not-a-uuid"), (stranger, ticket["id"])):
        created = who.post(f"/v2/agency/tickets/notes/create/{ticket_id}", {"text": "Hi"})
        listing = who.get(f"/v2/agency/tickets/notes/list/{ticket_id}")
        for answer in (created, listing):
            assert answer.status_code == 404, answer.text
            assert answer.json()["error_code"] == 3001
            assert SECRET not in answer.text
    # Another account's teammate is no teammate of this one.
    theirs = stranger.teammate()
    answer = api.post(
        f"/v2/agency/tickets/notes/create/{ticket['id']}",
        {"text": "Hi", "teammate_id": theirs["id"]},
    )
    assert answer.status_code == 400 and answer.json()["error_code"] == 1004

"""Saved replies: create, list, update, delete; placeholders checked on save and filled for a
ticket and a teammate by the service the console uses."""

import pytest

from hookdesk.saved_replies import service
from tests.support.api import Api, new_account

UNKNOWN = "0b8a7f3e-6a38-4e0e-9c1e-1a2b3c4d5e6f"
BASE = "/v2/agency/saved-replies"
TEXT = 'Hello {{client.name}}, about "{{ ticket.title }}": it is fixed.\n{{teammate.name}}'


def saved(api: Api, **fields: object) -> dict:
    body = {"title": "Fixed", "text": TEXT, **fields}
    return api.ok(api.post(f"{BASE}/create", body), "saved_reply")


def listed(api: Api, **params: object) -> dict:
    answer = api.get(f"{BASE}/list", **params)
    assert answer.status_code == 200, answer.text
    body: dict = answer.json()
    return body


def test_create_list_update_delete(api: Api) -> None:
    first = saved(api, title="  Fixed  ")
    assert list(first) == ["id", "object", "title", "text", "created_at"]
    assert (first["object"], first["title"], first["text"]) == ("saved_reply", "Fixed", TEXT)
    second = saved(api, title="Refund", text="Your refund is on its way.")
    body = listed(api)
    assert body["total_results"] == 2
    assert [s["id"] for s in body["saved_replies"]] == [second["id"], first["id"]]
    assert [s["id"] for s in listed(api, page=2, per_page=1)["saved_replies"]] == [first["id"]]

    renamed = api.ok(api.post(f"{BASE}/update/{first['id']}", {"title": "Done"}), "saved_reply")
    assert (renamed["title"], renamed["text"]) == ("Done", TEXT)
    rewritten = api.ok(
        api.post(f"{BASE}/update/{first['id']}", {"text": "Bye {{teammate.name}}"}), "saved_reply"
    )
    assert (rewritten["title"], rewritten["text"]) == ("Done", "Bye {{teammate.name}}")

    gone = api.ok(api.post(f"{BASE}/delete/{first['id']}"), "saved_reply")
    assert gone == rewritten
    assert [s["id"] for s in listed(api)["saved_replies"]] == [second["id"]]
    for path in (f"{BASE}/update/{first['id']}", f"{BASE}/delete/{first['id']}"):
        answer = api.post(path, {"title": "Again"} if "update" in path else None)
        assert answer.status_code == 404 and answer.json()["error_code"] == 3001


@pytest.mark.parametrize(
    ("body", "code", "words"),
    [
        ({"text": "Hi"}, 1002, "title is required"),
        ({"title": "Hi"}, 1002, "text is required"),
        ({"title": " ", "text": "Hi"}, 1002, "title: String should have at least 1 character"),
        ({"title": "x" * 201, "text": "Hi"}, 1002, "title: String should have at most 200"),
        ({"title": "Hi", "text": "x" * 20_001}, 1002, "text: String should have at most 20000"),
        ({"title": "Hi", "text": 3}, 1002, "text: Input should be a valid string"),
        (
            {"title": "Hi", "text": "Dear {{client.nmae}} and {{ client.first_name }}"},
            1016,
            "text: unknown placeholder {{client.nmae}}, {{ client.first_name }}; the placeholders "
            "are {{client.name}}, {{ticket.title}} or {{teammate.name}}.",
        ),
        ({"title": "Hi", "text": "{{}}"}, 1016, "unknown placeholder {{}}"),
    ],
)
def test_bad_saved_replies_are_refused(api: Api, body: dict, code: int, words: str) -> None:
    answer = api.post(f"{BASE}/create", body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error_code"] == code
    assert words in answer.json()["error"]
    assert listed(api)["total_results"] == 0


def test_an_update_with_an_unknown_placeholder_changes_nothing(api: Api) -> None:
    kept = saved(api)
    answer = api.post(f"{BASE}/update/{kept['id']}", {"title": "New", "text": "{{agent.name}}"})
    assert answer.status_code == 400 and answer.json()["error_code"] == 1016
    assert listed(api)["saved_replies"] == [kept]


def test_text_that_is_no_placeholder_is_kept(api: Api) -> None:
    text = "Use {braces} or {{ in code, and }} too: {{client.name}}"
    assert saved(api, text=text)["text"] == text


def test_another_accounts_saved_reply_is_unknown(api: Api) -> None:
    theirs = saved(new_account(api.http, api.db, "Another Agency"))
    for path in (f"{BASE}/update/{theirs['id']}", f"{BASE}/delete/{theirs['id']}"):
        answer = api.post(path, {"title": "Mine"} if "update" in path else None)
        assert answer.status_code == 404
    assert listed(api)["total_results"] == 0


def test_filled_for_a_ticket_and_a_teammate(api: Api) -> None:
    client = api.client(name="Ada {{ticket.title}}")  # a value is never filled again
    ticket = api.ticket(client_id=client["id"], title="Printer on fire")
    agent = api.teammate(name="Grace")
    template = saved(api)
    with api.db.read() as session:
        text = service.filled(
            session,
            account_id=api.account_id,
            saved_reply_id=template["id"],
            ticket_id=ticket["id"],
            teammate_id=agent["id"],
        )
    assert text == 'Hello Ada {{ticket.title}}, about "Printer on fire": it is fixed.\nGrace'


def test_filling_with_unknown_ids_is_not_found(api: Api) -> None:
    template, ticket, agent = saved(api), api.ticket(), api.teammate()
    ids = {"saved_reply_id": template["id"], "ticket_id": ticket["id"], "teammate_id": agent["id"]}
    for field in ids:
        with api.db.read() as session, pytest.raises(Exception, match="No ") as raised:
            service.filled(session, account_id=api.account_id, **{**ids, field: UNKNOWN})
        assert getattr(raised.value, "status", None) == 404

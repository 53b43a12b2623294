"""The list's `filter` through the text search's indexes: what matches, odd input, and the index
kept in step with replies, changed titles, and erased clients
(rows made before the migration: tests/test_migrations.py)."""

import pytest
from sqlalchemy import update

from hookdesk.models.tickets import Ticket
from tests.support.api import Api


def titles(api: Api, **params: str) -> list[str]:
    body = api.get("/v2/agency/tickets/list", page=1, per_page=100, **params).json()
    assert body["status"] == 200, body
    assert body["total_results"] == len(body["tickets"])
    return [t["title"] for t in body["tickets"]]


@pytest.fixture
def searched(api: Api) -> None:
    category = api.category()
    ada = api.client(name="Ada Lovelace", email="ada.king+billing@analytical.example")
    zoe = api.client(name="Zoë Österberg", email="zoe@fjord.example")
    for title, client, description in (
        ("Engine fault", ada, "The difference engine stops at step 7"),
        ("Größe der Rechnung", zoe, "ÄRGER mit der Lieferung"),
        ("見積もりの依頼", zoe, "至急お願いします"),
        ('He said "hi" - x: y*', ada, "Punctuation: quotes, stars AND NEAR(x)"),
    ):
        api.ticket(
            title=title, client_id=client["id"], category=category["id"], description=description
        )


@pytest.mark.usefixtures("searched")
@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("ENGINE", ["Engine fault"]),  # the title, any case
        ("ngine sto", ["Engine fault"]),  # part of a word and across words, in a reply
        ("lovelace", ['He said "hi" - x: y*', "Engine fault"]),  # the client's name
        ("ada.king+billing@", ['He said "hi" - x: y*', "Engine fault"]),  # email: + and dots
        ("king+billing@analytical.example", ['He said "hi" - x: y*', "Engine fault"]),
        ("adaXking", []),  # a dot is not a wildcard
        ("größe", ["Größe der Rechnung"]),
        ("ärger mit", ["Größe der Rechnung"]),  # any case beyond ASCII
        ("österberg zoë", []),  # one phrase, as typed: not each word apart
        ("ÖSTERBERG", ["見積もりの依頼", "Größe der Rechnung"]),
        ("積もりの", ["見積もりの依頼"]),
        ("お願い", ["見積もりの依頼"]),
        ('"hi" - x: y*', ['He said "hi" - x: y*']),  # quotes and operators are plain text
        ("AND NEAR(x)", ['He said "hi" - x: y*']),
        ('"', ['He said "hi" - x: y*']),
        ("*", ['He said "hi" - x: y*']),
        ("NEAR(", ['He said "hi" - x: y*']),
        (")) OR ((", []),
        ("' OR 1=1 --", []),
        ("step 8", []),
    ],
)
def test_the_filter_finds_text_as_typed_anywhere_in_any_case(
    api: Api, query: str, found: list[str]
) -> None:
    assert titles(api, filter=query) == found


def test_a_new_reply_and_a_new_title_are_found_at_once(api: Api) -> None:
    ticket = api.ticket(title="Printer jam")
    reply = f"/v2/agency/tickets/reply/create/{ticket['id']}"
    api.ok(api.post(reply, {"reply": "Tray four is empty"}), "ticket")
    assert titles(api, filter="tray four") == ["Printer jam"]
    with api.db.transaction() as session:
        session.execute(update(Ticket).where(Ticket.id == ticket["id"]).values(title="Scanner"))
    assert titles(api, filter="printer") == []
    assert titles(api, filter="scanner") == ["Scanner"]


def test_an_erased_clients_tickets_are_found_no_more(api: Api) -> None:
    gone = api.client(name="Gone Person", email="gone@erased.example")
    kept = api.client(name="Kept Person", email="kept@erased.example")
    for client in (gone, kept):
        api.ticket(title=f"Order of {client['name']}", client_id=client["id"])
    api.ok(api.post(f"/v2/agency/clients/delete/{gone['id']}"), "client_erasure")
    assert titles(api, filter="Person") == ["Order of Kept Person"]
    assert titles(api, filter="gone@erased") == []

"""The list and retrieve build their ticket objects straight from rows; these hold them to the
object the rest of the API and the events build from a ticket's snapshot, key for key and in the
same order (the answer's bytes)."""

import json
import uuid
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, event

from hookdesk.config import Settings
from hookdesk.db import Database, direct
from hookdesk.migrations.migrate import upgrade
from hookdesk.tickets import service, views
from hookdesk.tickets.service import TicketScope
from tests.support.api import Api


def snapshot_object(api: Api, settings: Settings, ticket_id: str) -> str:
    scope = TicketScope(api.account_id, settings.public_url)
    with api.db.read() as session:
        return json.dumps(views.agency_object(service.get(session, scope, ticket_id)))


def busy_ticket(api: Api) -> tuple[str, list[str]]:
    """A ticket with every part an object can have: files on two replies (two on one), a reply
    without any, tags, a priority, a teammate, a subcategory. Its id and its files' ids."""
    files = [api.ok(api.upload(name, b"x"), "asset") for name in ("a b.pdf", "c.txt", "d.png")]
    category = api.category(subcategories=["Billing"], automated_reply="Thanks.")
    ticket = api.ticket(
        category=category["id"], subcategory="Billing", assets=[files[0]["id"], files[1]["id"]]
    )
    reply = f"/v2/agency/tickets/reply/create/{ticket['id']}"
    api.ok(api.post(reply, {"reply": "no file"}), "ticket")
    api.ok(api.post(reply, {"reply": "one file", "assets": [files[2]["id"]]}), "ticket")
    update = {"tags": ["vip", "billing"], "priority": "high"}
    api.ok(api.post(f"/v2/agency/tickets/update/{ticket['id']}", update), "ticket")
    teammate = api.teammate()
    assign = {"teammate_id": teammate["id"]}
    api.ok(api.post(f"/v2/agency/tickets/assign/{ticket['id']}", assign), "ticket")
    return str(ticket["id"]), [file["id"] for file in files]


def test_retrieve_answers_the_snapshot_object(api: Api, settings: Settings) -> None:
    ticket_id, files = busy_ticket(api)
    retrieved = api.ok(api.get(f"/v2/agency/tickets/retrieve/{ticket_id}"), "ticket")
    attached = [[a["id"] for a in r["assets"] or ()] for r in retrieved["replies"]]
    assert attached == [files[:2], [], [], files[2:]]
    assert retrieved["tags"] == ["billing", "vip"]
    assert json.dumps(retrieved) == snapshot_object(api, settings, ticket_id)


def test_list_answers_the_snapshot_objects_in_the_list_order(api: Api, settings: Settings) -> None:
    plain = api.ticket()["id"]
    busy, _ = busy_ticket(api)
    other = api.ticket()["id"]
    listed = api.ok(api.get("/v2/agency/tickets/list", page=1, per_page=20), "tickets")
    assert [t["id"] for t in listed] == [other, busy, plain]
    assert [json.dumps(t) for t in listed] == [
        snapshot_object(api, settings, ticket_id) for ticket_id in (other, busy, plain)
    ]
    ascending = api.get("/v2/agency/tickets/list", page=1, per_page=2, order="asc")
    assert [t["id"] for t in api.ok(ascending, "tickets")] == [plain, busy]


def test_a_list_page_costs_postgresql_as_many_round_trips_as_a_retrieve(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page's ids, the total and the objects come in one statement, beside the key's."""
    if api.db.on_loop is None:
        pytest.skip("on SQLite a statement is a call into the library, not a round trip")
    one = api.ticket()["id"]
    api.ticket()
    fetched: list[object] = []
    fetch = api.db.on_loop.fetch

    async def counted(statement: Any, parameters: Any) -> Any:
        fetched.append(statement)
        return await fetch(statement, parameters)

    monkeypatch.setattr(api.db.on_loop, "fetch", counted)
    api.ok(api.get(f"/v2/agency/tickets/retrieve/{one}"), "ticket")
    retrieve, fetched[:] = len(fetched), []
    listed = api.get("/v2/agency/tickets/list", page=1, per_page=20).json()
    assert (listed["total_results"], len(listed["tickets"])) == (2, 2)
    assert retrieve > 0
    assert len(fetched) == retrieve, fetched


def test_retrieve_finds_no_ticket_of_another_account_or_with_a_malformed_id(
    api: Api, other_api: Api
) -> None:
    theirs = other_api.ticket()["id"]
    for ticket_id in (theirs, "not-a-uuid", theirs.upper()):
        response = api.get(f"/v2/agency/tickets/retrieve/{ticket_id}")
        assert response.status_code == 404, ticket_id
    upper = other_api.get(f"/v2/agency/tickets/retrieve/{theirs.upper()}")
    assert other_api.ok(upper, "ticket")["id"] == theirs


def test_a_page_s_rows_are_read_by_their_ids_not_by_the_account(api: Api, tmp_path: Path) -> None:
    """SQLite, without statistics, took `account_id = ?` on an index for a few rows and read
    every ticket, reply or tag of the account to find the page's: a second at a million
    tickets. The plans must look the rows up by id. On a database of its own, which no other
    test has analysed (with statistics of a few rows, SQLite rightly scans)."""
    if not api.db.is_sqlite:
        pytest.skip("PostgreSQL looks a list of ids up by its primary key")
    database = Database(f"sqlite:///{tmp_path / 'plans.db'}")
    upgrade(database.engine)
    ids = [str(uuid.uuid4()) for _ in range(3)]
    by_id = {"tickets": "(id=?)", "replies": "(ticket_id=?)", "ticket_tags": "(ticket_id=?)"}
    with database.read() as session:
        connection = session.connection()
        # The console's statements, and those of the API's objects on SQLite.
        sent = [
            first_sent(connection, partial(views._rows, session, statement, api.account_id, ids))
            for statement in (views._TICKETS, views._REPLIES, views._TAGS)
        ]
        bound = views._object_parts_bound(api.account_id, ids)
        for part in views._object_parts(len(ids)):
            made = direct.compiled(part, "sqlite")
            sent.append((made.text, made.bound(bound)))
        for name, (sql, parameters) in enumerate(sent):
            plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", parameters).all()
            reads = [row[3] for row in plan if row[3].split(" ")[1:2] in ([t] for t in by_id)]
            assert reads, (name, plan)
            for read in reads:
                assert by_id[read.split(" ")[1]] in read, (name, plan)
    database.dispose()


def first_sent(connection: Connection, run: Callable[[], object]) -> tuple[str, Any]:
    """The first statement and parameters that `run` sends on `connection`."""
    sent: list[tuple[str, Any]] = []

    def record(*args: Any) -> None:
        sent.append((args[2], args[3]))

    event.listen(connection, "before_cursor_execute", record)
    try:
        run()
    finally:
        event.remove(connection, "before_cursor_execute", record)
    return sent[0]

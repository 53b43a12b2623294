"""The inbox's kept counts (`ticket_counts`, kept by triggers on `tickets`) equal the tickets
counted again after every kind of change, whoever makes it: the API, a cascade, plain SQL, and on
PostgreSQL two transactions changing the same count at once."""

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Connection, event, func, select, text, update
from sqlalchemy.orm import Session

from hookdesk.db import Database
from hookdesk.models.tickets import Ticket, TicketCount
from hookdesk.shared.paging import Page
from hookdesk.tickets import inbox
from hookdesk.tickets.listing import TicketFilters
from tests.support.api import Api

Key = tuple[str, bool, str, bool]


def kept(db: Database) -> dict[Key, int]:
    """The kept counts, rows at zero left out."""
    with db.transaction(write=False) as session:
        rows = session.execute(
            select(
                TicketCount.account_id,
                TicketCount.is_open,
                TicketCount.teammate_id,
                TicketCount.awaiting_agent,
                TicketCount.tickets,
            )
        )
        return {(a, bool(o), t, bool(w)): n for a, o, t, w, n in rows if n}


def counted(db: Database) -> dict[Key, int]:
    """The same, counted from the tickets."""
    teammate = func.coalesce(Ticket.teammate_id, "")
    with db.transaction(write=False) as session:
        rows = session.execute(
            select(
                Ticket.account_id, Ticket.is_open, teammate, Ticket.awaiting_agent, func.count()
            ).group_by(Ticket.account_id, Ticket.is_open, teammate, Ticket.awaiting_agent)
        )
        return {(a, bool(o), t, bool(w)): n for a, o, t, w, n in rows}


def views(api: Api, looking: str, **filters: object) -> dict[inbox.View, int]:
    """The counts of the inbox of the teammate `looking`."""
    with api.db.transaction(write=False) as session:
        return inbox.counts(
            session,
            account_id=api.account_id,
            teammate_id=looking,
            filters=TicketFilters(**filters),  # type: ignore[arg-type]
        )


def test_the_counts_follow_every_change_through_the_api(api: Api, other_api: Api) -> None:
    me, other = api.teammate(), api.teammate()
    first = api.ticket(is_client_reply=True)
    second = api.ticket()
    third = api.ticket()
    other_api.ticket()
    assert kept(api.db) == counted(api.db)

    api.post(f"/v2/agency/tickets/assign/{first['id']}", {"teammate_id": me["id"]})
    api.post(f"/v2/agency/tickets/assign/{second['id']}", {"teammate_id": other["id"]})
    api.post(f"/v2/agency/tickets/reply/create/{first['id']}", {"reply": "On it."})
    api.post(
        f"/v2/agency/tickets/reply/create/{third['id']}",
        {"reply": "Still broken", "is_client_reply": True},
    )
    api.post(f"/v2/agency/tickets/resolve/{second['id']}")
    assert kept(api.db) == counted(api.db)
    assert views(api, me["id"]) == {
        inbox.View.OPEN: 2,
        inbox.View.MINE: 1,
        inbox.View.UNASSIGNED: 1,
        inbox.View.WAITING: 1,
        inbox.View.CLOSED: 1,
    }

    api.post(
        f"/v2/agency/tickets/reply/create/{second['id']}",
        {"reply": "It broke again", "is_client_reply": True},
    )
    api.post(f"/v2/agency/teammates/delete/{me['id']}")
    api.post(f"/v2/agency/clients/delete/{third['client']['id']}")
    assert kept(api.db) == counted(api.db)
    assert views(api, me["id"])[inbox.View.UNASSIGNED] == 1


def test_the_counts_follow_plain_sql_and_cascades(api: Api, other_api: Api) -> None:
    """What no service does: the triggers count whatever writes."""
    me = api.teammate()
    for _ in range(3):
        ticket = api.ticket()
        api.post(f"/v2/agency/tickets/assign/{ticket['id']}", {"teammate_id": me["id"]})
    other_api.ticket()
    with api.db.transaction() as session:
        session.execute(
            update(Ticket)
            .where(Ticket.account_id == api.account_id)
            .values(is_open=False, awaiting_agent=True)
        )
    assert kept(api.db) == counted(api.db)
    with api.db.transaction() as session:  # the foreign key sets the tickets' teammate to NULL
        session.execute(text("DELETE FROM teammates WHERE id = :id"), {"id": me["id"]})
    assert kept(api.db) == counted(api.db)
    assert views(api, me["id"])[inbox.View.CLOSED] == 3

    with api.db.transaction() as session:
        session.execute(text("DELETE FROM accounts WHERE id = :id"), {"id": api.account_id})
    assert kept(api.db) == counted(api.db)
    assert {key[0] for key in kept(api.db)} == {other_api.account_id}


def test_filtered_counts_are_counted_among_the_tickets_the_filters_keep(api: Api) -> None:
    me = api.teammate()
    mine = api.ticket()
    api.post(f"/v2/agency/tickets/update/{mine['id']}", {"priority": "high"})
    api.post(f"/v2/agency/tickets/assign/{mine['id']}", {"teammate_id": me["id"]})
    api.ticket()
    assert views(api, me["id"], priority="high")[inbox.View.OPEN] == 1
    assert views(api, me["id"], teammate_id=me["id"])[inbox.View.MINE] == 1
    assert views(api, me["id"], sort_by="title", order="asc")[inbox.View.OPEN] == 2


@pytest.fixture
def postgresql(api: Api) -> Database:
    if api.db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writer at a time")
    return api.db


@pytest.fixture
def held(postgresql: Database) -> Iterator[Connection]:
    """A transaction left open on a connection of its own."""
    with postgresql.engine.connect() as connection:
        yield connection
        connection.rollback()


@pytest.mark.parametrize("opposite", [False, True], ids=["same way", "opposite ways"])
def test_two_transactions_changing_the_same_count_both_count(
    api: Api, postgresql: Database, held: Connection, opposite: bool
) -> None:
    """A change holds no count until its commit (the triggers run at commit): a second
    transaction changing the same count commits while the first is still open, then the first
    commits. Neither change is lost, and two tickets moving opposite ways (waiting on us,
    answered) do not deadlock."""
    first, second = api.ticket(is_client_reply=True), api.ticket(is_client_reply=not opposite)
    held.execute(update(Ticket).where(Ticket.id == first["id"]).values(awaiting_agent=False))

    with postgresql.engine.begin() as connection:
        # Were the count locked by the first change, this would wait for `held` for ever: the
        # lock timeout turns that into a failure that names it.
        connection.execute(text("SET LOCAL lock_timeout = '10s'"))
        connection.execute(
            update(Ticket).where(Ticket.id == second["id"]).values(awaiting_agent=opposite)
        )
    held.commit()

    assert kept(api.db) == counted(api.db)
    assert views(api, "")[inbox.View.WAITING] == (1 if opposite else 0)


def test_each_views_first_page_by_last_activity_reads_an_index_in_that_order(api: Api) -> None:
    """No sort of all the view's tickets (SQLite, given two indexes alike, took one not in the
    view's order), with the statistics of a few tickets. PostgreSQL, which on a few rows would
    rather sort them, is kept off table scans and full sorts: it reads the view's index."""
    me = api.teammate()
    for n in range(6):
        ticket = api.ticket(is_client_reply=n % 2 == 0)
        if n % 3:
            api.post(f"/v2/agency/tickets/assign/{ticket['id']}", {"teammate_id": me["id"]})
        if n == 5:
            api.post(f"/v2/agency/tickets/resolve/{ticket['id']}")
    sqlite = api.db.engine.dialect.name == "sqlite"
    with api.db.engine.connect() as connection:
        connection.execute(text("ANALYZE"))
        connection.commit()
    for view in inbox.View:
        for order in ("desc", "asc"):
            plan = page_plan(api, me["id"], view, order, sqlite)
            assert "_updated" in plan, (view, order, plan)
            assert "TEMP B-TREE FOR ORDER BY" not in plan, (view, order, plan)


def page_plan(api: Api, me: str, view: inbox.View, order: str, sqlite: bool) -> str:
    """The plan of the query of the view's first page, as the database explains it."""
    seen: list[tuple[str, object]] = []

    def record(_c: object, _cursor: object, statement: str, parameters: object, *_: object) -> None:
        seen.append((statement, parameters))

    with api.db.engine.connect() as connection:
        if not sqlite:
            connection.execute(text("SET enable_seqscan = off"))
            connection.execute(text("SET enable_bitmapscan = off"))
            connection.execute(text("SET enable_sort = off"))
        event.listen(connection, "before_cursor_execute", record)
        with Session(connection) as session:
            inbox.page_of(
                session,
                account_id=api.account_id,
                teammate_id=me,
                view=view,
                filters=TicketFilters(sort_by="updated_at", order=order),  # type: ignore[arg-type]
                page=Page(1, 20),
            )
        event.remove(connection, "before_cursor_execute", record)
        statement, parameters = seen[-1]
        prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
        rows = connection.exec_driver_sql(prefix + statement, parameters).fetchall()  # type: ignore[arg-type]
        connection.rollback()
    return " ".join(str(row[3] if sqlite else row[0]) for row in rows)


def test_one_index_of_tickets_starts_with_account_and_is_open() -> None:
    """With a second, SQLite took either for open tickets by last activity: at 1,000,000 tickets
    it sorted all 23,000 open ones for the inbox's first page (200 ms instead of 1)."""
    table: Any = Ticket.__table__
    starts = [
        index.name
        for index in table.indexes
        if [c.name for c in index.columns][:2] == ["account_id", "is_open"]
    ]
    assert starts == ["ix_tickets_account_open_updated"]

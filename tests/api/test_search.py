"""The list's `filter`: what matches, odd input, and the indexes kept in step with replies,
changed titles, and erased clients (rows made before the migration: tests/test_migrations.py);
the same answers whichever way the page is found (walking the list or through the indexes,
tickets/searching.py), the count up to its cap, and the time limit's answer."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, text, update

from hookdesk.errors import ErrorCode
from hookdesk.models.tickets import Ticket
from hookdesk.shared.paging import Page
from hookdesk.tickets import listing, search_index, searching
from tests.support.api import Api

# Whether the search index takes the new rows before each search (SQLite), or a search finds them
# past its mark, row by row (tickets/search_index.py).
INDEX = {"caught up": False}


def index_as_chosen(api: Api) -> None:
    if INDEX["caught up"] and api.db.is_sqlite:
        search_index.catch_up(api.db)


def titles(api: Api, **params: str) -> list[str]:
    index_as_chosen(api)
    body = api.get("/v2/agency/tickets/list", page=1, per_page=100, **params).json()
    assert body["status"] == 200, body
    assert body["total_results"] == min(len(body["tickets"]), searching.COUNT_CAP)
    return [t["title"] for t in body["tickets"]]


@pytest.fixture(params=["caught up", "behind"], autouse=True)
def index(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, api: Api) -> None:
    monkeypatch.setitem(INDEX, "caught up", request.param == "caught up")
    if api.db.is_sqlite:  # no ticket yet: every row the test writes is past the marks
        with api.db.write() as session:
            session.execute(text("UPDATE search_marks SET indexed_to = 0"))


@pytest.fixture(params=["indexed", "walked"], autouse=True)
def route(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every search test twice: with heads of one ticket, which never hold a page, the page is
    found through the indexes; with a cap of one, which any match reaches, by walking the list
    (on PostgreSQL a head larger than the list is walked first in any case)."""
    if request.param == "indexed":
        monkeypatch.setattr(searching, "HEAD", 1)
        monkeypatch.setattr(searching, "WIDE_HEAD", 1)
    else:
        monkeypatch.setattr(searching, "COUNT_CAP", 1)
    return str(request.param)


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


def _newest_first(api: Api, **params: str) -> tuple[int, list[str]]:
    """total_results and the titles of every page of 2 (the same total on each page)."""
    found: list[str] = []
    totals = set()
    index_as_chosen(api)
    for page in range(1, 8):
        body = api.get("/v2/agency/tickets/list", page=page, per_page=2, **params).json()
        assert body["status"] == 200, body
        totals.add(body["total_results"])
        found += [t["title"] for t in body["tickets"]]
    assert len(totals) == 1
    return totals.pop(), found


@pytest.mark.parametrize("cap", [3, 100])
@pytest.mark.parametrize(("head", "wide_head"), [(1, 1), (1, 4), (2, 100), (1000, 16000)])
@pytest.mark.parametrize(
    ("walk_count", "found_cap", "named_clients"), [(4000, 2500, 1000), (0, 2500, 0), (0, 1, 1000)]
)
def test_pages_are_the_newest_matches_and_the_count_stops_at_the_cap(
    api: Api,
    monkeypatch: pytest.MonkeyPatch,
    cap: int,
    head: int,
    wide_head: int,
    walk_count: int,
    found_cap: int,
    named_clients: int,
) -> None:
    """Matches in every searched place, among tickets that do not match, in the list's order
    on every page, whichever heads are walked first and however PostgreSQL counts (walking, or
    through the indexes: found_cap 1 reads a table's matches a few at a time) and whether a walk
    compares each ticket's client or looks it up among those found first; total_results is
    exact below the cap."""
    monkeypatch.setattr(searching, "COUNT_CAP", cap)
    monkeypatch.setattr(searching, "HEAD", head)
    monkeypatch.setattr(searching, "WIDE_HEAD", wide_head)
    monkeypatch.setattr(searching, "WALK_COUNT", walk_count)
    monkeypatch.setattr(searching, "FOUND_CAP", found_cap)
    monkeypatch.setattr(searching, "NAMED_CLIENTS", named_clients)
    category = api.category()
    named = api.client(name="Kaspar Quokka")
    mailed = api.client(email="quokka.fan@zoo.example")
    plain = api.client()
    made = [
        ("1 title", plain, "Quokka sighting", "Seen one."),
        ("2 none", plain, "Printer", "Paper jam."),
        ("3 reply", plain, "Question", "Is a QUOKKA a marsupial?"),
        ("4 name", named, "Invoice", "Please resend."),
        ("5 none", plain, "Login", "Locked out."),
        ("6 email", mailed, "Refund", "Twice charged."),
        ("7 later reply", plain, "Delivery", "Late."),
        ("8 none", plain, "Crash", "On start."),
    ]
    for label, client, title, description in made:
        ticket = api.ticket(
            title=f"{label}: {title}",
            client_id=client["id"],
            category=category["id"],
            description=description,
        )
        if label == "7 later reply":
            reply = f"/v2/agency/tickets/reply/create/{ticket['id']}"
            api.ok(api.post(reply, {"reply": "the quokka ate it"}), "ticket")
    matching = [f"{label}: {title}" for label, _c, title, _d in made if "none" not in label]
    total, found = _newest_first(api, filter="quokka")
    assert found == matching[::-1]
    assert total == min(len(matching), cap)
    total, found = _newest_first(api, filter="quokka", order="asc")
    assert found == matching
    assert total == min(len(matching), cap)
    # Another filter with the text: the count and the pages are of the tickets that meet both.
    total, found = _newest_first(api, filter="quokka", client_id=plain["id"])
    assert found == ["7 later reply: Delivery", "3 reply: Question", "1 title: Quokka sighting"]
    assert total == min(3, cap)
    # Text shorter than a trigram: walked, in the same order, counted to the same cap.
    total, found = _newest_first(api, filter="ok")
    assert found == matching[::-1]
    assert total == min(len(matching), cap)
    total, found = _newest_first(api, filter="zebra")
    assert (total, found) == (0, [])


@contextmanager
def _busy(api: Api, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A search that cannot end within its time limit: on SQLite a limit already past, asked at
    every step; on PostgreSQL the tickets locked by another transaction for longer than the
    limit (statement_timeout counts the wait for a lock)."""
    if api.db.is_sqlite:
        monkeypatch.setattr(searching, "TIMEOUT_S", 0.0)
        monkeypatch.setattr(searching, "_SQLITE_CHECK_EVERY", 1)
        yield
        return
    monkeypatch.setattr(searching, "TIMEOUT_S", 0.2)
    with api.db.engine.connect() as locker:
        locker.execute(text("LOCK TABLE tickets IN ACCESS EXCLUSIVE MODE"))
        yield
        locker.rollback()


def test_a_search_past_its_time_limit_is_a_400_naming_the_filter(api: Api) -> None:
    api.ticket(title="Slow search")
    with pytest.MonkeyPatch.context() as patch, _busy(api, patch):
        answer = api.get("/v2/agency/tickets/list", page=1, per_page=20, filter="slow")
    assert answer.status_code == 400
    body = answer.json()
    assert body["error_code"] == ErrorCode.SEARCH_TIMED_OUT
    assert body["error"].startswith("filter: the search took longer than ")
    # The connection it ran on answers the next search as usual.
    assert titles(api, filter="slow") == ["Slow search"]
    assert titles(api) == ["Slow search"]


def test_a_search_leaves_the_connections_own_time_limit_as_it_was(api: Api) -> None:
    """PostgreSQL reads in autocommit: the search sets the connection's statement_timeout and
    must set it back, timed out or not, or the pool hands the limit on to any later work."""
    if api.db.is_sqlite:
        pytest.skip("SQLite's limit is a progress handler, removed in a finally")
    api.ticket(title="Slow search")
    show = text(
        "SELECT current_setting('statement_timeout'), current_setting('enable_seqscan'), "
        "current_setting('enable_indexscan')"
    )
    filters = listing.TicketFilters(text="slow")
    with api.db.read() as session:
        before = session.execute(show).one()
        listing.list_page(session, account_id=api.account_id, filters=filters, page=Page(1, 20))
        assert session.execute(show).one() == before
        with (
            pytest.MonkeyPatch.context() as patch,
            _busy(api, patch),
            pytest.raises(searching.SearchTimedOut),
        ):
            listing.list_page(session, account_id=api.account_id, filters=filters, page=Page(1, 20))
        assert session.execute(show).one() == before


def test_a_rare_text_is_read_through_the_indexes_whatever_the_planner_estimates(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL: once the head holds too little of the text for a page, each searched table is
    read through bitmaps of its indexes. By its estimates the planner would scan these tiny
    tables, as it scans a large one when ANALYZE's sample happens to hold a rare word."""
    if api.db.is_sqlite:
        pytest.skip("SQLite's matches come from FTS5 alone")
    for n in range(3):
        api.ticket(title=f"Furnace {n}", description="The pilot light went out")
    monkeypatch.setattr(searching, "HEAD", 1)  # a head that never holds a page
    monkeypatch.setattr(searching, "COUNT_CAP", 1_000)  # and every table asked
    plans: list[str] = []

    def explain(conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        """The plan of each statement on the text run with the settings for a rare text."""
        if "ILIKE" not in statement:
            return
        with conn.connection.dbapi_connection.cursor() as raw:
            if raw.execute("SHOW enable_seqscan").fetchone()[0] == "on":
                return
            raw.execute(f"EXPLAIN {statement}", parameters)
            plans.append("\n".join(row[0] for row in raw.fetchall()))

    filters = listing.TicketFilters(text="pilot light")
    event.listen(api.db.engine, "before_cursor_execute", explain)
    try:
        with api.db.read() as session:
            total, page = listing.list_page(
                session, account_id=api.account_id, filters=filters, page=Page(1, 20)
            )
    finally:
        event.remove(api.db.engine, "before_cursor_execute", explain)
    assert total == 3
    assert [ticket.title for ticket in page] == ["Furnace 2", "Furnace 1", "Furnace 0"]
    assert len(plans) == 3  # the clients, the titles, the replies
    for plan in plans:  # bitmaps of indexes (on large tables, pg_trgm's), never a walk
        assert "Bitmap Index Scan" in plan, plan
        assert "Seq Scan" not in plan and "Index Scan using" not in plan, plan
        assert "Index Only Scan" not in plan, plan

"""A search's page and its count (the list's `filter`), at any size of account.

What it costs to find the first page depends on how many tickets hold the text, so the page is
found one of two ways, and the count stops at COUNT_CAP:

- by walking the list's order: the first tickets of the list (its filters, its order, read
  through the account's index for that order) are read with each one's replies and client, and
  the page is the first of them that hold the text. A common text fills a page within a few
  dozen tickets; this reads no index of the text at all.
- by the text's indexes (models/search.py): the tickets holding the text, up to COUNT_CAP of
  them, then the page among them in the list's order. A rare text is found at once.

Which one: on SQLite the count comes first, from FTS5, which hands its matches over as it finds
them (a LIMIT stops it): fewer than COUNT_CAP tickets are sorted for the page, more are walked
(up to WIDE_HEAD tickets). On PostgreSQL the walk of HEAD tickets comes first, since pg_trgm's
GIN index is read whole before the first match comes out (a bitmap); each searched table is then
asked apart with a LIMIT, which stops the reading of the table's rows (most of the cost: each
match is a row read and its text compared again) once enough matches are in:
- a text that fills the page there is counted by walking on when the page was dense (COUNT_CAP
  of it within WALK_COUNT tickets), otherwise through the indexes, up to COUNT_CAP in each
  table: a word in a few percent of the tickets would be walked through tens of thousands;
- any other through the indexes, up to FOUND_CAP in each table: found in fewer, all of them are
  sorted for the page; in more, walked as on SQLite. The walk has shown such a text to be rare,
  which the planner's estimate may not know: these statements may use bitmaps of indexes only.
A text found COUNT_CAP times or more but too seldom among the first WIDE_HEAD tickets for a page
falls back to sorting all it finds: the slow case, which the time limit bounds.

The walk compares each row's text as the index would: PostgreSQL's ILIKE on an expression no
index holds (so the planner cannot swap the walk for the index), SQLite's LIKE for ASCII text
and `text_holds` (db/database.py) for any other, in any case as FTS5's trigram tokenizer folds.
Text shorter than a trigram is only ever walked.

A search runs under a time limit (TIMEOUT_S, PostgreSQL's statement_timeout, SQLite's progress
handler): past it the list answers 400 `SearchTimedOut` rather than hold a worker and a
connection for minutes.
"""

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    any_,
    bindparam,
    exists,
    func,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.sql import operators

from hookdesk.db.dialects import one_of
from hookdesk.errors import BadRequest, ErrorCode
from hookdesk.models.clients import Client
from hookdesk.models.search import (
    SHORTEST_INDEXED,
    contains,
    fts_match,
    holds,
    unindexed_rowids,
)
from hookdesk.models.tickets import Reply, Ticket
from hookdesk.shared.paging import Page

# total_results of a search counts up to this many tickets: the page never needs more, and
# beyond it a count costs in proportion to the matches (seconds for a word in most tickets).
COUNT_CAP = 1_000
# The tickets of the list a search walks before it takes the text's indexes instead: HEAD on
# PostgreSQL for any text, WIDE_HEAD once the text is known to be in COUNT_CAP tickets or more
# (a walk stops at the end of the page, so a common text reads a few dozen of them).
HEAD = 1_000
WIDE_HEAD = 16_000
# PostgreSQL: a text found in fewer tickets than this through the indexes has its page sorted
# among them, rather than walked for (one in several hundred tickets: a walk of thousands).
FOUND_CAP = 2_500
# PostgreSQL: a walk looks a ticket's client up among at most this many clients that hold the
# text, found first (more: it compares each ticket's client's name and email).
NAMED_CLIENTS = 1_000
# PostgreSQL: a text that filled the page in the head is counted by walking on when COUNT_CAP of
# it should lie within this many tickets, otherwise through the indexes.
WALK_COUNT = 4_000
TIMEOUT_S = 10.0
# PostgreSQL: a rare text's parts are read through their indexes as bitmaps, the one plan left.
_BITMAPS_ONLY = {"enable_seqscan": "off", "enable_indexscan": "off"}
# How often (in SQLite virtual machine steps) SQLite asks whether the time is up.
_SQLITE_CHECK_EVERY = 10_000

# The sort columns the account's indexes hold in order (sort_by=title has none); times, never
# negative.
_TIMES = ("created_us", "updated_at")

Ordering = Callable[[Any], list[ColumnElement[Any]]]


class SearchTimedOut(BadRequest):
    code = ErrorCode.SEARCH_TIMED_OUT

    def __init__(self) -> None:
        super().__init__(
            f"the search took longer than {TIMEOUT_S:g} seconds: use a longer or rarer text, "
            "or narrow the list with other filters.",
            field="filter",
        )


def page_of(
    session: Session,
    *,
    account_id: str,
    phrase: str,
    where: Sequence[ColumnElement[bool]],
    ordering: Ordering,
    page: Page,
) -> tuple[int, Sequence[Ticket]]:
    """(the count up to COUNT_CAP, the page) of the account's tickets that meet `where` and
    hold `phrase`, in the order `ordering` gives for an entity (Ticket or an alias of it)."""
    search = _Search(session, account_id, phrase, list(where), ordering, page)
    try:
        with _time_limit(session, TIMEOUT_S):
            return search.run()
    except OperationalError as error:
        if _timed_out(error):
            raise SearchTimedOut() from None
        raise


class _Search:
    def __init__(
        self,
        session: Session,
        account_id: str,
        phrase: str,
        where: list[ColumnElement[bool]],
        ordering: Ordering,
        page: Page,
    ) -> None:
        self.session = session
        self.account_id = account_id
        self.phrase = phrase
        self.where = where
        self.ordering = ordering
        self.page = page
        self.sqlite = session.get_bind().dialect.name == "sqlite"
        self._named: list[str] | None = None
        self._named_read = False

    def run(self) -> tuple[int, Sequence[Ticket]]:
        if len(self.phrase) < SHORTEST_INDEXED:
            return self._walked()
        if not self.sqlite:
            return self._run_postgresql()
        found = self._found_ids()
        if len(found) < COUNT_CAP:
            return len(found), self._page_among(found)
        # At least COUNT_CAP found: worth walking further than a rare text would be.
        walked = self._walk_head(WIDE_HEAD)
        return COUNT_CAP, walked if walked is not None else self._page_of_all()

    def _run_postgresql(self) -> tuple[int, Sequence[Ticket]]:
        walked = self._walk_head(HEAD)
        if walked is not None:
            return self._count_after_walk(walked), walked
        # Fewer than a page among the first HEAD tickets: the text is rare, and each part's
        # pg_trgm bitmap is the way to it. The planner judges by ANALYZE's sample of the text,
        # a hundred values: a sample that happens to hold the word makes a scan of the table
        # (the account's rows, by any path) look cheaper than the index under the LIMIT, and
        # it then reads most of it for a word in a few tickets in a thousand (1.1 s at
        # 5,000,000 replies, against 0.13 s through the index).
        with _postgresql_settings(self.session, _BITMAPS_ONLY):
            found, complete = self._postgresql_found(FOUND_CAP)
        if complete:  # every ticket that holds the text, a few thousand at most
            return min(len(found), COUNT_CAP), self._page_among(found)
        walked = self._walk_head(WIDE_HEAD)
        return COUNT_CAP, walked if walked is not None else self._page_of_all()

    # --- walking the list's order

    def _walked(self) -> tuple[int, Sequence[Ticket]]:
        """Only by walking (no index can help): the head, then the whole list if need be."""
        walked = self._walk_head(WIDE_HEAD)
        if walked is None:
            statement = select(Ticket).where(self._owned(), *self.where, _holds(Ticket, self))
            walked = self._paged(statement.order_by(*self.ordering(Ticket)))
        return self._count_walking(), walked

    def _walk_head(self, size: int) -> Sequence[Ticket] | None:
        """The page, when the first `size` tickets of the list hold enough of the text for it.

        The head ends at the `size`-th ticket's first sort column (read from the order's index
        alone),
        so that the walk is one range of that index, read in order and left at the page's end:
        a common text is found within a few dozen tickets."""
        listed = select(Ticket).where(self._owned(), *self.where)
        order = self.ordering(Ticket)
        first = order[0].element  # the column under its ASC or DESC
        bounding = listed.with_only_columns(first).order_by(order[0]).offset(size - 1).limit(1)
        if getattr(first, "key", None) in _TIMES:
            # A range on the column, true of every ticket: SQLite, with statistics, would
            # otherwise take another covering index of the account's tickets (the inbox's) and
            # sort all of them, seconds at a million, for one value.
            bounding = bounding.where(first >= 0)
        boundary = self.session.scalar(bounding)
        within = []
        if boundary is not None:
            within = [first <= boundary if _ascending(order[0]) else first >= boundary]
        statement = listed.where(*within, _holds(Ticket, self)).order_by(*order)
        end = self.page.offset + self.page.per_page
        rows = self.session.scalars(statement.limit(end)).all()
        if len(rows) == end or boundary is None:  # without a boundary the head is the list
            return rows[self.page.offset :]
        return None

    def _count_walking(self) -> int:
        holding = select(Ticket.id).where(self._owned(), *self.where, _holds(Ticket, self))
        counted = select(func.count()).select_from(holding.limit(COUNT_CAP).subquery())
        return self.session.scalar(counted) or 0

    def _count_after_walk(self, walked: Sequence[Ticket]) -> int:
        """The count of a text that filled the page within the head (PostgreSQL): walking on when
        the page's tickets were dense enough that COUNT_CAP of them lie within WALK_COUNT tickets
        of the list, otherwise through the indexes, each searched table up to COUNT_CAP matches
        (a walk to count a text in a few percent of the tickets reads tens of thousands)."""
        if len(walked) < self.page.per_page:  # the list ended within the head
            return self._count_walking()
        listed = select(Ticket.id).where(self._owned(), *self.where)
        order = self.ordering(Ticket)
        first = order[0].element
        last = getattr(walked[-1], first.key)
        within = first <= last if _ascending(order[0]) else first >= last
        ahead = listed.where(within).limit(HEAD)
        read = self.session.scalar(select(func.count()).select_from(ahead.subquery())) or HEAD
        if read * COUNT_CAP <= WALK_COUNT * (self.page.offset + len(walked)):
            return self._count_walking()
        found, _complete = self._postgresql_found(COUNT_CAP)
        return min(len(found), COUNT_CAP)

    # --- through the text's indexes

    def _found_ids(self) -> set[str]:
        """The ids of the tickets that hold the text, all of them or at least COUNT_CAP (SQLite)."""
        found: set[str] = set()
        for part in self._sqlite_found():
            found.update(self.session.scalars(part.limit(COUNT_CAP)))
        return found

    def _sqlite_found(self) -> list[Select[str]]:
        """One statement per searched table, each driven by its FTS5 table, and one for each
        table's rows the index does not hold yet: distinct tickets, so that COUNT_CAP rows of
        any one of them are COUNT_CAP tickets."""
        listed = [literal_column("+tickets.account_id") == self.account_id, *self.where]
        titles, in_title = fts_match("tickets", self.phrase)
        replies, in_reply = fts_match("replies", self.phrase)
        clients, of_client = fts_match("clients", self.phrase)
        new_titles = unindexed_rowids("tickets", self.phrase)
        new_replies = unindexed_rowids("replies", self.phrase)
        return [
            select(Ticket.id).where(literal_column("tickets.rowid").in_(new_titles), *listed),
            select(Ticket.id)
            .distinct()
            .select_from(Reply)
            .join(Ticket, Ticket.id == Reply.ticket_id)
            .where(literal_column("replies.rowid").in_(new_replies), *listed),
            select(Ticket.id)
            .select_from(titles)
            .join(Ticket, literal_column("tickets.rowid") == titles.c.rowid)
            .where(in_title, *listed),
            select(Ticket.id)
            .distinct()
            .select_from(replies)
            .join(Reply, literal_column("replies.rowid") == replies.c.rowid)
            .join(Ticket, Ticket.id == Reply.ticket_id)
            .where(in_reply, *listed),
            # The clients found first, then their tickets through the account's index on client:
            # joined, SQLite may read every ticket and ask FTS5 about each one's client.
            select(Ticket.id).where(
                Ticket.account_id == self.account_id,
                Ticket.client_id.in_(
                    select(Client.id)
                    .select_from(clients)
                    .join(Client, literal_column("clients.rowid") == clients.c.rowid)
                    .where(of_client)
                ),
                *self.where,
            ),
        ]

    def _postgresql_found(self, enough: int) -> tuple[set[str], bool]:
        """(ids of tickets that hold the text, whether they are all of them; if not, at least
        COUNT_CAP): each searched table through its pg_trgm index (read whole, as a bitmap) up
        to `enough` rows, the smaller tables first; past that in one, the next are not read."""
        found: set[str] = set()
        for part in self._postgresql_parts():
            ids, complete = self._distinct_tickets(part, enough)
            found |= ids
            if not complete:
                return found, False
        return found, True

    def _distinct_tickets(self, part: Select[str], enough: int) -> tuple[set[str], bool]:
        """(distinct ids of `part`, whether they are all of them; if not, at least COUNT_CAP):
        its first `enough` rows, more while they repeat tickets (a ticket's replies) and hold
        fewer than COUNT_CAP."""
        limit = enough
        while True:
            rows = self.session.scalars(part.limit(limit)).all()
            ids = set(rows)
            if len(rows) < limit:
                return ids, True
            if len(ids) >= COUNT_CAP:
                return ids, False
            limit *= 4

    def _postgresql_parts(self) -> list[Select[str]]:
        """The ids of the list's tickets whose client's name or email, title, or replies match,
        one statement each (a ticket's replies may repeat it)."""
        pattern = contains(self.phrase)
        listed = [self._owned(), *self.where]
        named = select(Client.id).where(
            Client.account_id == self.account_id,
            or_(Client.name.ilike(pattern, escape="\\"), Client.email.ilike(pattern, escape="\\")),
        )
        in_replies = select(Reply.ticket_id).where(
            Reply.account_id == self.account_id, Reply.text.ilike(pattern, escape="\\")
        )
        if self.where:  # a reply's account is its ticket's: the ticket is read for the filters
            in_replies = in_replies.join(Ticket, Ticket.id == Reply.ticket_id).where(*listed)
        return [
            select(Ticket.id).where(*listed, Ticket.client_id.in_(named)),
            select(Ticket.id).where(*listed, Ticket.title.ilike(pattern, escape="\\")),
            in_replies,
        ]

    def _page_among(self, found: set[str]) -> Sequence[Ticket]:
        if not found:
            return []
        statement = select(Ticket).where(one_of(Ticket.__table__.c.id, "found"))
        statement = statement.order_by(*self.ordering(Ticket))
        statement = statement.offset(self.page.offset).limit(self.page.per_page)
        return self.session.scalars(statement, {"found": sorted(found)}).all()

    def _page_of_all(self) -> Sequence[Ticket]:
        """Every ticket that holds the text, sorted: the slow case, a common text that is rare
        among the newest tickets."""
        if self.sqlite:
            found = [Ticket.id.in_(part) for part in self._sqlite_found()]
            owned = literal_column("+tickets.account_id") == self.account_id
            statement = select(Ticket).where(owned, *self.where, or_(*found))
        else:
            found = [Ticket.id.in_(part) for part in self._postgresql_parts()]
            statement = select(Ticket).where(self._owned(), *self.where, or_(*found))
        return self._paged(statement.order_by(*self.ordering(Ticket)))

    # ---

    def named_clients(self) -> list[str] | None:
        """PostgreSQL: the ids of the account's clients whose name or email hold the text, read
        once through their pg_trgm indexes, or None if more than NAMED_CLIENTS or the text is
        too short for them: a walk then compares the text with each ticket's client row by row
        (a third of its cost)."""
        if self.sqlite or len(self.phrase) < SHORTEST_INDEXED:
            return None
        if not self._named_read:
            pattern = contains(self.phrase)
            named = select(Client.id).where(
                Client.account_id == self.account_id,
                or_(
                    Client.name.ilike(pattern, escape="\\"),
                    Client.email.ilike(pattern, escape="\\"),
                ),
            )
            ids = list(self.session.scalars(named.limit(NAMED_CLIENTS + 1)))
            self._named = ids if len(ids) <= NAMED_CLIENTS else None
            self._named_read = True
        return self._named

    def _owned(self) -> ColumnElement[bool]:
        return Ticket.account_id == self.account_id

    def _paged(self, statement: Select[Ticket]) -> Sequence[Ticket]:
        return self.session.scalars(
            statement.offset(self.page.offset).limit(self.page.per_page)
        ).all()


def _holds(entity: Any, search: _Search) -> ColumnElement[bool]:
    """Whether the ticket `entity` (Ticket, or an alias of it) holds the text in its title, its
    replies or its client's name or email, compared row by row: no index of the text serves it."""
    phrase = search.phrase
    pattern = contains(phrase)

    def held(column: Any) -> ColumnElement[bool]:
        if search.sqlite:
            return holds(column, phrase)
        # `|| ''`: the same comparison, on an expression no pg_trgm index holds.
        compared: ColumnElement[bool] = column.concat("").ilike(pattern, escape="\\")
        return compared

    # OFFSET 0: PostgreSQL then runs the subquery for each ticket (through the index on the
    # ticket or the client) rather than once for all (a hashed SubPlan), which would read every
    # reply of every ticket to walk a few of them.
    in_replies = select(1).where(Reply.ticket_id == entity.id, held(Reply.text)).offset(0)
    named = search.named_clients()
    if named is not None:
        # One array bound, not a parameter per client: the statement compiles as quickly.
        clients = bindparam(None, named, type_=postgresql.ARRAY(String))
        return or_(held(entity.title), exists(in_replies), entity.client_id == any_(clients))
    of_client = (
        select(1)
        .where(Client.id == entity.client_id, or_(held(Client.name), held(Client.email)))
        .offset(0)
    )
    return or_(held(entity.title), exists(in_replies), exists(of_client))


def _ascending(clause: Any) -> bool:
    return clause.modifier is operators.asc_op


@contextmanager
def _time_limit(session: Session, seconds: float) -> Iterator[None]:
    """The statements run inside the block stop after `seconds` in all (SQLite) or each
    (PostgreSQL), with an OperationalError that `_timed_out` recognises."""
    if session.get_bind().dialect.name != "sqlite":
        timeout = f"{max(1, round(seconds * 1000))}ms"
        with _postgresql_settings(session, {"statement_timeout": timeout}):
            yield
        return
    raw: Any = session.connection().connection.dbapi_connection
    deadline = time.monotonic() + seconds
    raw.set_progress_handler(lambda: time.monotonic() > deadline, _SQLITE_CHECK_EVERY)
    try:
        yield
    finally:
        raw.set_progress_handler(None, 0)


@contextmanager
def _postgresql_settings(session: Session, values: dict[str, str]) -> Iterator[None]:
    """PostgreSQL's settings `values` (by name) for the statements run inside the block, then
    as they were.

    A read (db.read()) runs in autocommit, where a setting made for the transaction would last
    one statement: the connection's own are set, then set back before the pool has it again.
    In a transaction they are the transaction's, gone with a rollback after a failed
    statement."""
    connection = session.connection()
    raw: Any = connection.connection.dbapi_connection
    in_transaction = not raw.autocommit
    names = {f"name{i}": name for i, name in enumerate(values)}
    current = ", ".join(f"current_setting(:name{i})" for i in range(len(names)))
    before = list(connection.execute(text(f"SELECT {current}"), names).one())
    assign = ", ".join(f"set_config(:name{i}, :value{i}, :local)" for i in range(len(names)))

    def set_to(settings: Sequence[str], local: bool) -> None:
        given = {f"value{i}": setting for i, setting in enumerate(settings)}
        connection.execute(text(f"SELECT {assign}"), {**names, **given, "local": local})

    set_to(list(values.values()), in_transaction)
    try:
        yield
    except BaseException:
        if not in_transaction:
            set_to(before, False)
        raise
    set_to(before, in_transaction)


def _timed_out(error: OperationalError) -> bool:
    if getattr(error.orig, "sqlstate", None) == "57014":  # query_canceled
        return True
    return "interrupted" in str(error.orig)

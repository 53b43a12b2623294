"""The ticket list: filters, sorting and paging of `GET /v2/agency/tickets/list`."""

import functools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Annotated, Any, Literal, get_args
from uuid import UUID

from fastapi import Depends, Query
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    bindparam,
    cast,
    column,
    exists,
    func,
    literal_column,
    or_,
    select,
    table,
    union_all,
)
from sqlalchemy.orm import Session

from hookdesk.db import direct
from hookdesk.db.on_loop import OnLoop
from hookdesk.errors import BadRequest
from hookdesk.models.clients import Client
from hookdesk.models.search import SHORTEST_INDEXED, contains, matching_rowids
from hookdesk.models.tickets import Reply, Ticket, TicketCount, TicketTag
from hookdesk.shared.paging import Page
from hookdesk.shared.queries import paginate
from hookdesk.shared.timeparse import parse_time
from hookdesk.tickets import searching
from hookdesk.tickets.schemas import Priority

TIME_HELP = "Unix seconds or ISO 8601; compared with the ticket's created_at, inclusive."
SortBy = Literal["created_at", "updated_at", "title"]
SORT_HELP = "updated_at: the last activity (a reply, a change of status or of teammate)."


@dataclass(frozen=True)
class TicketFilters:
    order: Literal["asc", "desc"] = "desc"
    sort_by: SortBy = "created_at"
    text: str | None = None
    created_from: int | None = None
    created_to: int | None = None
    closed: bool | None = None
    teammate_id: str | None = None
    client_id: str | None = None
    tag: str | None = None
    priority: str | None = None
    # Used by the console's inbox; the API has no such query parameters.
    unassigned: bool = False
    category_id: str | None = None


async def _filters(  # async: no worker thread for a dependency that waits on nothing
    order: Literal["asc", "desc"] = "desc",
    sort_by: Annotated[SortBy, Query(description=SORT_HELP)] = "created_at",
    filter: Annotated[
        str | None,
        Query(
            description="Text in the title, the replies, or the client's name or email; "
            "total_results then counts up to 1,000."
        ),
    ] = None,
    from_: Annotated[str | None, Query(alias="from", description=TIME_HELP)] = None,
    to: Annotated[str | None, Query(description=TIME_HELP)] = None,
    closed: bool | None = None,
    teammate_id: UUID | None = None,
    client_id: UUID | None = None,
    tag: Annotated[str | None, Query(description="Tickets with this tag (any case).")] = None,
    priority: Priority | None = None,
) -> TicketFilters:
    return TicketFilters(
        order=order,
        sort_by=sort_by,
        text=filter or None,
        created_from=_time("from", from_),
        created_to=_time("to", to),
        closed=closed,
        teammate_id=str(teammate_id) if teammate_id else None,
        client_id=str(client_id) if client_id else None,
        tag=(tag or "").strip().lower() or None,
        priority=priority.value if priority else None,
    )


TicketQuery = Annotated[TicketFilters, Depends(_filters)]


def list_page(
    session: Session, *, account_id: str, filters: TicketFilters, page: Page
) -> tuple[int, Sequence[Ticket]]:
    """(total_results, the page). With a text, total_results counts up to
    `searching.COUNT_CAP` (more found is that many) and the search has a time limit."""
    if filters.text:
        return searching.page_of(
            session,
            account_id=account_id,
            phrase=filters.text,
            where=conditions(session, account_id=account_id, filters=replace(filters, text=None)),
            ordering=lambda entity: ordering(entity, filters),
            page=page,
        )
    where = conditions(session, account_id=account_id, filters=filters)
    statement = select(Ticket).where(owned_by(session, account_id, filters), *where)
    return paginate(session, in_order(statement, filters), page)


def list_ids(
    session: Session, *, account_id: str, filters: TicketFilters, page: Page
) -> tuple[int, Sequence[str]]:
    """`list_page`'s tickets by their ids alone, for the API's list, which reads what it shows
    of them with their client and category (`views.agency_objects`)."""
    if filters.text:
        total, found = list_page(session, account_id=account_id, filters=filters, page=page)
        return total, [ticket.id for ticket in found]
    if not is_filtered(filters):
        session.flush()
        return page_of_all(functools.partial(direct.execute, session), account_id, filters, page)
    where = conditions(session, account_id=account_id, filters=filters)
    statement: Select[Any] = select(Ticket.id).where(owned_by(session, account_id, filters), *where)
    return paginate(session, in_order(statement, filters), page)


# How far into the unfiltered list a page may start and still be a few lookups: its offset is
# walked along the index, half a millisecond a thousand rows on SQLite at a million tickets
# (0.10 ms for the first page, 0.50 ms from the 1,001st row, 4.9 ms from the 10,001st).
QUICK_OFFSET = 1000


def is_quick(filters: TicketFilters, page: Page) -> bool:
    """Whether `list_ids` finds this page by a few lookups by index: unfiltered, and near the top
    (no search, no long walk), so that a route may read it on the event loop
    (`db.dependencies.read`)."""
    return not is_filtered(filters) and page.offset <= QUICK_OFFSET


def is_filtered(filters: TicketFilters) -> bool:
    """Whether the filters leave out any of the account's tickets (an order does not)."""
    return replace(filters, order="desc", sort_by="created_at") != TicketFilters()


def owned_by(session: Session, account_id: str, filters: TicketFilters) -> ColumnElement[bool]:
    """The tickets of the account. When searching on SQLite, written `+account_id` so that no
    index serves it: SQLite then looks the tickets found up by id rather than read all of the
    account's (without statistics it takes `account_id = ?` for a few rows)."""
    if filters.text and len(filters.text) >= SHORTEST_INDEXED and _is_sqlite(session):
        return literal_column("+tickets.account_id") == account_id
    return Ticket.account_id == account_id


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def conditions(
    session: Session, *, account_id: str, filters: TicketFilters
) -> list[ColumnElement[bool]]:
    sqlite = _is_sqlite(session)
    conditions: list[ColumnElement[bool]] = []
    if filters.text:
        conditions.append(_mentions(filters.text, account_id=account_id, sqlite=sqlite))
    if filters.created_from is not None:
        conditions.append(Ticket.created_at >= filters.created_from)
    if filters.created_to is not None:
        conditions.append(Ticket.created_at <= filters.created_to)
    if filters.closed is not None:
        conditions.append(Ticket.is_open.is_(not filters.closed))
    if filters.teammate_id:
        conditions.append(Ticket.teammate_id == filters.teammate_id)
    if filters.client_id:
        conditions.append(Ticket.client_id == filters.client_id)
    if filters.tag:
        conditions.append(
            exists().where(TicketTag.ticket_id == Ticket.id, TicketTag.tag == filters.tag)
        )
    if filters.priority:
        conditions.append(Ticket.priority == filters.priority)
    if filters.unassigned:
        conditions.append(Ticket.teammate_id.is_(None))
    if filters.category_id:
        conditions.append(Ticket.category_id == filters.category_id)
    return conditions


def _mentions(text: str, *, account_id: str, sqlite: bool) -> ColumnElement[bool]:
    """Tickets whose title, replies, or client's name or email hold `text`, in any case.

    Through the trigram indexes (models/search.py) from SHORTEST_INDEXED characters on; a
    shorter text is looked for row by row."""
    if len(text) < SHORTEST_INDEXED:
        return _mentions_scanned(text)
    titled: ColumnElement[bool]
    replied: ColumnElement[bool]
    named: ColumnElement[bool]
    if sqlite:
        titled = _searched_tickets.c.rowid.in_(matching_rowids("tickets", text))
        replied = literal_column("replies.rowid").in_(matching_rowids("replies", text))
        named = literal_column("clients.rowid").in_(matching_rowids("clients", text))
    else:
        pattern = contains(text)
        titled = _searched_tickets.c.title.ilike(pattern, escape="\\")
        replied = Reply.text.ilike(pattern, escape="\\")
        named = or_(
            Client.name.ilike(pattern, escape="\\"), Client.email.ilike(pattern, escape="\\")
        )
    of_clients = select(Client.id).where(named)
    # One set of ticket ids, each part from its own index, rather than an OR over the tickets,
    # which only a scan of every ticket can answer.
    found = union_all(
        select(_searched_tickets.c.id).where(titled),
        select(Reply.ticket_id).where(replied),
        select(_searched_tickets.c.id).where(
            _searched_tickets.c.account_id == account_id,
            _searched_tickets.c.client_id.in_(of_clients),
        ),
    )
    return Ticket.id.in_(found)


# The tickets again, inside the condition on the tickets listed (not correlated with them).
_searched_tickets = table(
    "tickets",
    column("rowid"),
    column("id"),
    column("account_id"),
    column("client_id"),
    column("title"),
).alias("searched_tickets")


def _mentions_scanned(text: str) -> ColumnElement[bool]:
    pattern = contains(text)
    in_replies = exists().where(
        Reply.ticket_id == Ticket.id, Reply.text.ilike(pattern, escape="\\")
    )
    of_client = exists().where(
        Client.id == Ticket.client_id,
        or_(Client.name.ilike(pattern, escape="\\"), Client.email.ilike(pattern, escape="\\")),
    )
    return or_(Ticket.title.ilike(pattern, escape="\\"), in_replies, of_client)


# updated_at is whole seconds: tickets last active within the same second keep their order of
# creation.
_SORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "title": ("title",),
    "created_at": ("created_us",),
    "updated_at": ("updated_at", "created_us"),
}


def in_order(statement: Select[Ticket], filters: TicketFilters) -> Select[Ticket]:
    return statement.order_by(*ordering(Ticket, filters))


def ordering(entity: Any, filters: TicketFilters) -> list[ColumnElement[Any]]:
    """The list's ORDER BY over `entity`: Ticket, or an alias of it."""
    names = (*_SORT_COLUMNS[filters.sort_by], "id")
    columns = [getattr(entity, name) for name in names]
    if filters.order == "asc":
        return [c.asc() for c in columns]
    return [c.desc() for c in columns]


def _time(name: str, value: str | None) -> int | None:
    if value is None or value == "":
        return None
    try:
        return parse_time(value)
    except ValueError as error:
        raise BadRequest(f"{error}.", field=name) from None


# The unfiltered list's statements, built once (building and keying a statement cost as much as
# running it): the account's tickets in each order, and how many it has, from its few
# `ticket_counts` rows (models/tickets.py) rather than by counting its tickets, most of the 45 ms
# a first page took at a million. The page's rows carry that total too, an uncorrelated subquery
# that both databases evaluate once: one statement rather than two (on PostgreSQL the page's
# objects come in it too, `_ALL_PLACED`). Only a page with no rows asks for the total alone.
_ALL_COUNTED = (
    select(func.sum(TicketCount.tickets))
    .where(TicketCount.account_id == bindparam("account_id"))
    .scalar_subquery()
)


def _page_in_order(sort_by: SortBy, order: Literal["asc", "desc"], *columns: Any) -> Select[Any]:
    """The account's tickets in this order, from `offset`, at most `limit`: these columns."""
    return (
        select(*columns)
        .where(Ticket.account_id == bindparam("account_id"))
        .order_by(*ordering(Ticket, TicketFilters(order=order, sort_by=sort_by)))
        .offset(bindparam("offset"))
        .limit(bindparam("limit"))
    )


_DIRECTIONS: tuple[Literal["asc", "desc"], ...] = ("asc", "desc")
_ORDERS = [(sort_by, order) for sort_by in get_args(SortBy) for order in _DIRECTIONS]
_ALL_IN_ORDER = {key: _page_in_order(*key, Ticket.id, _ALL_COUNTED) for key in _ORDERS}
_ALL_COUNTED_ALONE = select(_ALL_COUNTED)
# The same pages, each ticket with its place on the page, for one statement on PostgreSQL that
# reads their objects with them (tickets/views.py: `agency_page_read`). The total is cast to the
# objects' number columns' type: PostgreSQL's sum of integers is a bigint.
_ALL_PLACED = {
    (sort_by, order): _page_in_order(
        sort_by,
        order,
        Ticket.id,
        cast(_ALL_COUNTED, BigInteger).label("total"),
        func.row_number()
        .over(order_by=ordering(Ticket, TicketFilters(order=order, sort_by=sort_by)))
        .label("place"),
    )
    for sort_by, order in _ORDERS
}


def page_of_all(
    fetch: direct.Fetch, account_id: str, filters: TicketFilters, page: Page
) -> tuple[int, Sequence[str]]:
    """The account's total and the ids of an unfiltered page (`list_ids`), read through
    `fetch`: a session's, or on SQLite a quick one's (`Database.snapshot`)."""
    statement = _ALL_IN_ORDER[(filters.sort_by, filters.order)]
    bound = {"account_id": account_id, "offset": page.offset, "limit": page.per_page}
    rows = fetch(statement, bound)
    # The total rides on the page's rows; a page with none asks for it alone.
    total = rows[0][1] if rows else fetch(_ALL_COUNTED_ALONE, {"account_id": account_id})[0][0]
    return int(total or 0), [row[0] for row in rows]


def placed_page(filters: TicketFilters) -> Select[Any]:
    """The page of a quick list (`is_quick`) in `filters`' order, with each ticket's place on it
    and the account's total; its parameters `account_id`, `offset` and `limit`."""
    return _ALL_PLACED[(filters.sort_by, filters.order)]


async def total_fetched(on_loop: OnLoop, account_id: str) -> int:
    """PostgreSQL: the account's tickets, counted as a quick list counts them, for a page with no
    rows to carry the total."""
    return int((await on_loop.fetch(_ALL_COUNTED_ALONE, {"account_id": account_id}))[0][0] or 0)

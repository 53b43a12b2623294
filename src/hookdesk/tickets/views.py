"""Ticket rows to `TicketView` snapshots, loading related rows in a few batched queries; the
agency API's ticket object.

The queries are built once and read plain columns rather than ORM objects: building a statement
and loading rows as objects cost more than running the query (a 20-ticket page reads some 40
replies). The API's list and retrieve build their JSON objects straight from those rows
(`agency_objects`, `agency_objects_read`), without a snapshot in between: the ticket with its
client and category, the replies with their files and the tags, three parts of one shape, read
in one statement on PostgreSQL and in three on SQLite (`_OBJECTS`). On PostgreSQL a quick page
of the list finds its tickets in the same statement (`agency_page_read`)."""

import functools
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    CTE,
    BindParameter,
    ColumnElement,
    CompoundSelect,
    Select,
    and_,
    bindparam,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from hookdesk.assets import service as assets
from hookdesk.db import direct
from hookdesk.db.database import Database
from hookdesk.db.dialects import one_of
from hookdesk.db.on_loop import OnLoop
from hookdesk.models.assets import Asset
from hookdesk.models.categories import TicketCategory
from hookdesk.models.clients import Client
from hookdesk.models.tickets import Reply, Ticket, TicketTag
from hookdesk.shared.ids import parse_uuid
from hookdesk.webhooks.payloads import (
    AssetView,
    ClientView,
    JsonObject,
    ReplyView,
    TicketView,
    ticket_object,
)


def _of_the_account(account_id: InstrumentedAttribute[str]) -> ColumnElement[bool]:
    """Rows found by their ids are the account's. Written as an expression that no index
    serves, so that SQLite looks the rows up by their ids: without statistics, or with an index
    newer than them, it took `account_id = ?` for a few rows and read every row of the account
    (the tickets of a 20-ticket page in a second, at a million tickets)."""
    return account_id.concat("") == bindparam("account_id")


# Each reply with its files, a row per file (one row with no file for a reply without any).
_REPLIES = (
    select(
        Reply.ticket_id,
        Reply.id,
        Reply.text,
        Reply.is_client_reply,
        Reply.created_at,
        Asset.id,
        Asset.filename,
        Asset.extension,
        Asset.filesize,
        Asset.content_type,
        Asset.created_at,
    )
    .outerjoin(Asset, and_(Asset.reply_id == Reply.id, Asset.account_id == Reply.account_id))
    .where(
        _of_the_account(Reply.account_id),
        Reply.ticket_id.in_(bindparam("ids", expanding=True)),
    )
    .order_by(Reply.ticket_id, Reply.position, Asset.position)
)
# A ticket with its client and category, in the order of the agency API's ticket object.
_TICKET_COLUMNS = (
    select(
        Ticket.id,
        Ticket.title,
        Ticket.is_open,
        Ticket.created_at,
        Ticket.updated_at,
        Ticket.client_id,
        Client.name,
        Client.email,
        Ticket.teammate_id,
        TicketCategory.title,
        Ticket.subcategory,
        Ticket.language,
        Ticket.priority,
    )
    .join_from(Ticket, Client, Client.id == Ticket.client_id)
    .join(TicketCategory, TicketCategory.id == Ticket.category_id)
)
_TICKETS = _TICKET_COLUMNS.where(
    _of_the_account(Ticket.account_id), Ticket.id.in_(bindparam("ids", expanding=True))
)
_TAGS = (
    select(TicketTag.ticket_id, TicketTag.tag)
    .where(
        _of_the_account(TicketTag.account_id),
        TicketTag.ticket_id.in_(bindparam("ids", expanding=True)),
    )
    .order_by(TicketTag.ticket_id, TicketTag.tag)
)


def _shaped(
    kind: int,
    ticket_id: Any,
    order: tuple[Any, Any],
    texts: list[Any],
    flag: Any,
    numbers: list[Any],
) -> list[Any]:
    """One part's columns in the shape all three parts of `_OBJECTS` share: its kind (0), its
    ticket (1), two positions to order by (2, 3), nine texts (4 to 12), one flag (13) and three
    numbers (14 to 16), NULL where the part has none."""
    texts = [*texts, *[null()] * (9 - len(texts))]
    numbers = [*numbers, *[null()] * (3 - len(numbers))]
    return [
        literal_column(str(kind)).label("kind"),
        ticket_id.label("ticket_id"),
        order[0].label("o1"),
        order[1].label("o2"),
        *(text.label(f"s{n}") for n, text in enumerate(texts, 1)),
        flag.label("b1"),
        *(number.label(f"i{n}") for n, number in enumerate(numbers, 1)),
    ]


_ZERO: ColumnElement[int] = literal_column("0")


def _parts(
    among: Callable[[InstrumentedAttribute[str]], ColumnElement[bool]],
    placed: CTE | None = None,
) -> list[Select[Any]]:
    """The parts of a page's ticket objects, in one shape: the tickets with their client and
    category (kind 0), their replies with their files, a row per file (kind 1), and their tags
    (kind 2), each part looking its rows up by id as `_TICKETS`, `_REPLIES` and `_TAGS` do,
    `among` the ids (bound as `ids`, or a page's). With `placed` (a page: `id`, `place`,
    `total`), each ticket row carries its place on the page (o1) and the total (i3)."""
    place, total = (_ZERO, null()) if placed is None else (placed.c.place, placed.c.total)
    tickets = (
        select(
            *_shaped(
                0,
                Ticket.id,
                (place, _ZERO),
                [
                    Ticket.title,
                    Ticket.client_id,
                    Client.name,
                    Client.email,
                    Ticket.teammate_id,
                    TicketCategory.title,
                    Ticket.subcategory,
                    Ticket.language,
                    Ticket.priority,
                ],
                Ticket.is_open,
                [Ticket.created_at, Ticket.updated_at, total],
            )
        )
        .join_from(Ticket, Client, Client.id == Ticket.client_id)
        .join(TicketCategory, TicketCategory.id == Ticket.category_id)
        .where(_of_the_account(Ticket.account_id))
    )
    if placed is None:
        tickets = tickets.where(among(Ticket.id))
    else:
        tickets = tickets.join(placed, placed.c.id == Ticket.id)
    return [
        tickets,
        select(
            *_shaped(
                1,
                Reply.ticket_id,
                (Reply.position, Asset.position),
                [
                    Reply.id,
                    Reply.text,
                    Asset.id,
                    Asset.filename,
                    Asset.extension,
                    Asset.content_type,
                ],
                Reply.is_client_reply,
                [Reply.created_at, Asset.filesize, Asset.created_at],
            )
        )
        .outerjoin(Asset, and_(Asset.reply_id == Reply.id, Asset.account_id == Reply.account_id))
        .where(_of_the_account(Reply.account_id), among(Reply.ticket_id)),
        select(*_shaped(2, TicketTag.ticket_id, (_ZERO, _ZERO), [TicketTag.tag], null(), [])).where(
            _of_the_account(TicketTag.account_id), among(TicketTag.ticket_id)
        ),
    ]


_ORDER: list[ColumnElement[Any]] = [
    literal_column(name) for name in ("kind", "ticket_id", "o1", "o2", "s1")
]
# On PostgreSQL in one statement rather than three: a round trip cost more of the server's CPU
# than the wider rows (a tenth of a retrieve). Its ids are bound as one array, so that its SQL is
# the same for any number of them, and `OnLoop.fetch` runs it as it is. On SQLite, where a
# statement is a call into the library, the three parts apart cost less than their union, which
# sorts the rows again (`_object_parts`).
_OBJECTS = union_all(*_parts(lambda column: one_of(column.expression, "ids"))).order_by(*_ORDER)


@functools.cache
def _objects_of_page(page: Select[Any]) -> CompoundSelect[Any]:
    """PostgreSQL: `_OBJECTS` of the tickets `page` finds (`listing.placed_page`), in the same
    statement: a quick list's page costs one round trip rather than two. Its parameters are the
    page's."""
    placed = page.cte("page")
    parts = _parts(lambda column: column.in_(select(placed.c.id)), placed)
    return union_all(*parts).order_by(*_ORDER)


@functools.cache
def _object_parts(count: int) -> tuple[Select[Any], ...]:
    """SQLite: the three parts for `count` ids, each bound on its own (`id0`, `id1`, ...), as
    `IN (?, ?)`: SQLite looks each up by its index (an array or JSON it would read as a table),
    and the SQL, the same for any page of that size, is made once and run by the driver
    (`db/direct.py`)."""
    ids: list[BindParameter[str]] = [bindparam(f"id{i}") for i in range(count)]
    return tuple(part.order_by(*_ORDER[1:]) for part in _parts(lambda column: column.in_(ids)))


def _object_parts_bound(account_id: str, ticket_ids: Sequence[str]) -> dict[str, str]:
    """The parameters of `_object_parts(len(ticket_ids))`."""
    return {"account_id": account_id, **{f"id{i}": v for i, v in enumerate(ticket_ids)}}


def ticket_views(
    session: Session,
    *,
    account_id: str,
    tickets: Sequence[Ticket],
    public_url: str,
    with_replies: bool = True,
) -> list[TicketView]:
    """`with_replies=False`: without the conversation (`replies` empty), for a list that shows
    none of it (the console's inbox)."""
    if not tickets:
        return []
    ids = [t.id for t in tickets]
    # Each ticket's client and category title, read with it.
    joined = {row[0]: row for row in _rows(session, _TICKETS, account_id, ids)}
    replies = _replies_by_ticket(session, account_id, ids, public_url) if with_replies else {}
    tags = tags_by_ticket(session, account_id=account_id, ticket_ids=ids)
    return [
        TicketView(
            id=ticket.id,
            title=ticket.title,
            is_open=ticket.is_open,
            created_at=ticket.created_at,
            updated_at=ticket.updated_at,
            client=ClientView(
                id=ticket.client_id, name=joined[ticket.id][6], email=joined[ticket.id][7]
            ),
            teammate_id=ticket.teammate_id,
            replies=tuple(replies.get(ticket.id, ())),
            category=joined[ticket.id][9],
            subcategory=ticket.subcategory,
            language=ticket.language,
            tags=tuple(tags[ticket.id]),
            priority=ticket.priority,
        )
        for ticket in tickets
    ]


def ticket_view(
    session: Session, *, account_id: str, ticket: Ticket, public_url: str
) -> TicketView:
    return ticket_views(session, account_id=account_id, tickets=[ticket], public_url=public_url)[0]


def agency_object(ticket: TicketView) -> JsonObject:
    """The ticket object of the agency API: the event's ticket, then `tags` and `priority`."""
    return {**ticket_object(ticket), "tags": list(ticket.tags), "priority": ticket.priority}


def tags_by_ticket(
    session: Session, *, account_id: str, ticket_ids: Sequence[str]
) -> dict[str, list[str]]:
    """Each ticket's tags in alphabetical order (an empty list for a ticket without any)."""
    found: dict[str, list[str]] = defaultdict(list)
    for row in _rows(session, _TAGS, account_id, ticket_ids):
        found[row.ticket_id].append(row.tag)
    return found


def reply_view(reply: Reply, assets: Sequence[AssetView]) -> ReplyView:
    return ReplyView(
        id=reply.id,
        text=reply.text,
        is_client_reply=reply.is_client_reply,
        created_at=reply.created_at,
        assets=tuple(assets),
    )


def _rows(session: Session, statement: Any, account_id: str, ids: Any) -> Any:
    # Plain rows need none of the ORM's work: the session's connection runs them, in its
    # transaction, at half the cost of `session.execute` (whose autoflush comes first). All at
    # once: a result iterated fetches its rows one call each (a ticket may have hundreds).
    session.flush()
    connection = session.connection()
    return connection.execute(statement, {"account_id": account_id, "ids": list(ids)}).all()


def _replies_by_ticket(
    session: Session, account_id: str, ticket_ids: list[str], public_url: str
) -> dict[str, list[ReplyView]]:
    by_ticket: dict[str, list[ReplyView]] = defaultdict(list)
    files: list[AssetView] = []
    reply: Any = None
    for row in _rows(session, _REPLIES, account_id, ticket_ids):
        if reply is None or row[1] != reply[1]:
            if reply is not None:
                by_ticket[reply[0]].append(_reply_view(reply, files))
            reply, files = row, []
        if row[5] is not None:
            files.append(
                AssetView(
                    id=row[5],
                    filename=row[6],
                    extension=row[7],
                    filesize=row[8],
                    type=row[9],
                    public_url=assets.link(public_url, account_id, row[5], row[6]),
                    created_at=row[10],
                )
            )
    if reply is not None:
        by_ticket[reply[0]].append(_reply_view(reply, files))
    return by_ticket


def _reply_view(row: Any, files: list[AssetView]) -> ReplyView:
    return ReplyView(
        id=row[1], text=row[2], is_client_reply=row[3], created_at=row[4], assets=tuple(files)
    )


async def agency_object_read(
    db: Database, *, account_id: str, ticket_id: str, public_url: str
) -> JsonObject | None:
    """The agency API's object of the account's ticket with this id (None for no such ticket),
    for an async route (`agency_objects_read`)."""
    canonical = parse_uuid(ticket_id)
    if canonical is None:
        return None
    found = await agency_objects_read(
        db, account_id=account_id, ticket_ids=[canonical], public_url=public_url
    )
    return found[0] if found else None


def agency_objects(
    session: Session, *, account_id: str, ticket_ids: Sequence[str], public_url: str
) -> list[JsonObject]:
    """The agency API's objects of the account's tickets with these ids, in their order."""
    if not ticket_ids:
        return []
    rows = _object_rows(session, account_id, ticket_ids)
    return _in_order(_objects_of_rows(rows, account_id, public_url), ticket_ids)


def agency_objects_fetched(
    fetch: direct.Fetch, *, account_id: str, ticket_ids: Sequence[str], public_url: str
) -> list[JsonObject]:
    """SQLite: `agency_objects`, their parts read through `fetch` (a `Database.snapshot`'s)."""
    rows = _parts_fetched(fetch, account_id, ticket_ids) if ticket_ids else []
    return _in_order(_objects_of_rows(rows, account_id, public_url), ticket_ids)


async def agency_objects_read(
    db: Database, *, account_id: str, ticket_ids: Sequence[str], public_url: str
) -> list[JsonObject]:
    """`agency_objects`, for an async route: on PostgreSQL in one statement run by psycopg
    alone (`OnLoop.fetch`), on SQLite as a quick read on the loop, by the driver alone
    (`Database.snapshot`)."""
    if not ticket_ids:
        return []
    if db.on_loop is None:
        with db.snapshot() as snapshot:
            return agency_objects_fetched(
                snapshot.fetch, account_id=account_id, ticket_ids=ticket_ids, public_url=public_url
            )
    bound = {"account_id": account_id, "ids": list(ticket_ids)}
    rows = await db.on_loop.fetch(_OBJECTS, bound)
    return _in_order(_objects_of_rows(rows, account_id, public_url), ticket_ids)


async def agency_page_read(
    on_loop: OnLoop,
    page: Select[Any],
    parameters: Mapping[str, Any],
    *,
    account_id: str,
    public_url: str,
) -> tuple[int | None, list[JsonObject]]:
    """PostgreSQL: the account's total and the agency API's objects of the tickets `page` finds
    with `parameters`, in its order, in one statement run by psycopg alone (`OnLoop.fetch`).
    The total is None when the page has no rows to carry it."""
    rows = await on_loop.fetch(_objects_of_page(page), parameters)
    found = _objects_of_rows(rows, account_id, public_url)
    placed = sorted((row[2], row[1], row[16]) for row in rows if row[0] == 0)
    total = placed[0][2] if placed else None
    return total, [found[ticket_id] for _, ticket_id, _ in placed]


def _in_order(found: dict[str, JsonObject], ticket_ids: Sequence[str]) -> list[JsonObject]:
    return [found[ticket_id] for ticket_id in ticket_ids if ticket_id in found]


def _objects_of_rows(
    rows: Sequence[Sequence[Any]], account_id: str, public_url: str
) -> dict[str, JsonObject]:
    """What `agency_object(ticket_view(...))` gives, the same keys in the same order, built
    from the rows of `_OBJECTS`: a page's tickets cost a dict per object rather than a snapshot
    and a dict."""
    found: dict[str, JsonObject] = {}
    reply: JsonObject = {}
    for row in rows:
        if row[0] == 0:
            found[row[1]] = _ticket_object(row)
        elif row[0] == 1:
            if row[4] != reply.get("id"):
                reply = {
                    "id": row[4],
                    "text": row[5],
                    "is_client_reply": row[13],
                    "created_at": row[14],
                    "assets": None,
                }
                found[row[1]]["replies"].append(reply)
            if row[6] is not None:
                file = _asset_object(row, public_url, account_id)
                if reply["assets"] is None:
                    reply["assets"] = [file]
                else:
                    reply["assets"].append(file)
        else:
            found[row[1]]["tags"].append(row[4])
    return found


def _object_rows(session: Session, account_id: str, ticket_ids: Sequence[str]) -> list[Any]:
    """The rows of `_PARTS`, tickets first, each part in its order."""
    if session.get_bind().dialect.name == "sqlite":
        return _parts_fetched(functools.partial(direct.execute, session), account_id, ticket_ids)
    return list(_rows(session, _OBJECTS, account_id, ticket_ids))


def _parts_fetched(fetch: direct.Fetch, account_id: str, ticket_ids: Sequence[str]) -> list[Any]:
    """SQLite: the rows of `_object_parts`, tickets first, each part in its order."""
    bound = _object_parts_bound(account_id, ticket_ids)
    return [row for part in _object_parts(len(ticket_ids)) for row in fetch(part, bound)]


def _ticket_object(row: Any) -> JsonObject:
    return {
        "id": row[1],
        "title": row[4],
        "is_open": row[13],
        "object": "ticket",
        "created_at": row[14],
        "updated_at": row[15],
        "client": {"id": row[5], "name": row[6], "email": row[7]},
        "teammate_id": row[8],
        "replies": [],
        "category": row[9],
        "subcategory": row[10],
        "language": row[11],
        "tags": [],
        "priority": row[12],
    }


def _asset_object(row: Any, public_url: str, account_id: str) -> JsonObject:
    return {
        "id": row[6],
        "object": "asset",
        "filename": row[7],
        "extension": row[8],
        "filesize": row[15],
        "type": row[9],
        "public_url": assets.link(public_url, account_id, row[6], row[7]),
        "created_at": row[16],
    }


def reply_authors(session: Session, *, account_id: str, ticket_id: str) -> dict[str, str]:
    """The agent who wrote each console reply of a ticket, by reply id."""
    statement = select(Reply.id, Reply.author_id).where(
        Reply.account_id == account_id, Reply.ticket_id == ticket_id, Reply.author_id.is_not(None)
    )
    return {row.id: row.author_id for row in session.execute(statement)}

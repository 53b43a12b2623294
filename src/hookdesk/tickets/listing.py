"""The ticket list: filters, sorting and paging of `GET /v2/agency/tickets/list`."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Literal
from uuid import UUID

from fastapi import Depends, Query
from sqlalchemy import ColumnElement, Select, exists, or_, select
from sqlalchemy.orm import Session

from hookdesk.errors import BadRequest
from hookdesk.models.tickets import Reply, Ticket
from hookdesk.shared.paging import Page
from hookdesk.shared.queries import paginate
from hookdesk.shared.timeparse import parse_time

TIME_HELP = "Unix seconds or ISO 8601; compared with the ticket's created_at, inclusive."


@dataclass(frozen=True)
class TicketFilters:
    order: Literal["asc", "desc"] = "desc"
    sort_by: Literal["created_at", "title"] = "created_at"
    text: str | None = None
    created_from: int | None = None
    created_to: int | None = None
    closed: bool | None = None
    teammate_id: str | None = None
    client_id: str | None = None
    # Used by the console's inbox; the API has no such query parameters.
    unassigned: bool = False
    category_id: str | None = None


def _filters(
    order: Literal["asc", "desc"] = "desc",
    sort_by: Literal["created_at", "title"] = "created_at",
    filter: Annotated[str | None, Query(description="Text in the title or replies.")] = None,
    from_: Annotated[str | None, Query(alias="from", description=TIME_HELP)] = None,
    to: Annotated[str | None, Query(description=TIME_HELP)] = None,
    closed: bool | None = None,
    teammate_id: UUID | None = None,
    client_id: UUID | None = None,
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
    )


TicketQuery = Annotated[TicketFilters, Depends(_filters)]


def list_page(
    session: Session, *, account_id: str, filters: TicketFilters, page: Page
) -> tuple[int, Sequence[Ticket]]:
    statement = select(Ticket).where(Ticket.account_id == account_id, *_conditions(filters))
    return paginate(session, _sorted(statement, filters), page)


def _conditions(filters: TicketFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.text:
        conditions.append(_mentions(filters.text))
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
    if filters.unassigned:
        conditions.append(Ticket.teammate_id.is_(None))
    if filters.category_id:
        conditions.append(Ticket.category_id == filters.category_id)
    return conditions


def _mentions(text: str) -> ColumnElement[bool]:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    in_replies = exists().where(
        Reply.ticket_id == Ticket.id, Reply.text.ilike(pattern, escape="\\")
    )
    return or_(Ticket.title.ilike(pattern, escape="\\"), in_replies)


def _sorted(statement: Select[Ticket], filters: TicketFilters) -> Select[Ticket]:
    column = Ticket.title if filters.sort_by == "title" else Ticket.created_us
    if filters.order == "asc":
        return statement.order_by(column.asc(), Ticket.id.asc())
    return statement.order_by(column.desc(), Ticket.id.desc())


def _time(name: str, value: str | None) -> int | None:
    if value is None or value == "":
        return None
    try:
        return parse_time(value)
    except ValueError as error:
        raise BadRequest(f"{error}.", field=name) from None

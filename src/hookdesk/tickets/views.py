"""Ticket rows to `TicketView` snapshots, loading related rows in a few batched queries; the
agency API's ticket object.

The queries are built once, with the ids bound as an expanding list, and read plain columns
rather than ORM objects: building a statement and loading rows as objects cost more than running
the query (a 20-ticket page reads some 40 replies)."""

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from hookdesk.assets import service as assets
from hookdesk.models.categories import TicketCategory
from hookdesk.models.clients import Client
from hookdesk.models.tickets import Reply, Ticket, TicketTag
from hookdesk.webhooks.payloads import (
    AssetView,
    ClientView,
    JsonObject,
    ReplyView,
    TicketView,
    ticket_object,
)

_CLIENTS = select(Client.id, Client.name, Client.email).where(
    Client.account_id == bindparam("account_id"), Client.id.in_(bindparam("ids", expanding=True))
)
_CATEGORIES = select(TicketCategory.id, TicketCategory.title).where(
    TicketCategory.account_id == bindparam("account_id"),
    TicketCategory.id.in_(bindparam("ids", expanding=True)),
)
_REPLIES = (
    select(Reply.id, Reply.ticket_id, Reply.text, Reply.is_client_reply, Reply.created_at)
    .where(
        Reply.account_id == bindparam("account_id"),
        Reply.ticket_id.in_(bindparam("ids", expanding=True)),
    )
    .order_by(Reply.ticket_id, Reply.position)
)
_TAGS = (
    select(TicketTag.ticket_id, TicketTag.tag)
    .where(
        TicketTag.account_id == bindparam("account_id"),
        TicketTag.ticket_id.in_(bindparam("ids", expanding=True)),
    )
    .order_by(TicketTag.ticket_id, TicketTag.tag)
)


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
    clients = {
        row.id: ClientView(id=row.id, name=row.name, email=row.email)
        for row in _rows(session, _CLIENTS, account_id, {t.client_id for t in tickets})
    }
    categories = {
        row.id: row.title
        for row in _rows(session, _CATEGORIES, account_id, {t.category_id for t in tickets})
    }
    ids = [t.id for t in tickets]
    replies = _replies_by_ticket(session, account_id, ids, public_url) if with_replies else {}
    tags = tags_by_ticket(session, account_id=account_id, ticket_ids=ids)
    return [
        TicketView(
            id=ticket.id,
            title=ticket.title,
            is_open=ticket.is_open,
            created_at=ticket.created_at,
            updated_at=ticket.updated_at,
            client=clients[ticket.client_id],
            teammate_id=ticket.teammate_id,
            replies=tuple(replies.get(ticket.id, ())),
            category=categories[ticket.category_id],
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


def client_view(client: Client) -> ClientView:
    return ClientView(id=client.id, name=client.name, email=client.email)


def _rows(session: Session, statement: Any, account_id: str, ids: Any) -> Any:
    # Plain rows need none of the ORM's work: the session's connection runs them, in its
    # transaction, at half the cost of `session.execute` (whose autoflush comes first).
    session.flush()
    connection = session.connection()
    return connection.execute(statement, {"account_id": account_id, "ids": list(ids)})


def _replies_by_ticket(
    session: Session, account_id: str, ticket_ids: list[str], public_url: str
) -> dict[str, list[ReplyView]]:
    replies = _rows(session, _REPLIES, account_id, ticket_ids).all()
    attached: dict[str, list[AssetView]] = defaultdict(list)
    reply_ids = [r.id for r in replies]
    for asset in assets.for_replies(session, account_id=account_id, reply_ids=reply_ids):
        attached[asset.reply_id or ""].append(assets.view(asset, public_url=public_url))
    by_ticket: dict[str, list[ReplyView]] = defaultdict(list)
    for reply in replies:
        by_ticket[reply.ticket_id].append(
            ReplyView(
                id=reply.id,
                text=reply.text,
                is_client_reply=reply.is_client_reply,
                created_at=reply.created_at,
                assets=tuple(attached[reply.id]),
            )
        )
    return by_ticket


def reply_authors(session: Session, *, account_id: str, ticket_id: str) -> dict[str, str]:
    """The agent who wrote each console reply of a ticket, by reply id."""
    statement = select(Reply.id, Reply.author_id).where(
        Reply.account_id == account_id, Reply.ticket_id == ticket_id, Reply.author_id.is_not(None)
    )
    return {row.id: row.author_id for row in session.execute(statement)}

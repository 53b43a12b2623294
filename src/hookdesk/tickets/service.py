"""Ticket changes. Each one writes its event in the caller's transaction (see `events.emit`)."""

import contextlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy import and_, bindparam, delete, insert, select
from sqlalchemy.orm import Session

from hookdesk.accounts.acting import Acting
from hookdesk.assets import service as assets
from hookdesk.db import direct
from hookdesk.errors import BadRequest, ErrorCode, NotFound
from hookdesk.mail import outbox as mail_outbox
from hookdesk.mail import settings as mail_settings
from hookdesk.models.categories import TicketCategory
from hookdesk.models.clients import Client
from hookdesk.models.mail import MailSettings
from hookdesk.models.teammates import Teammate
from hookdesk.models.tickets import Reply, Ticket, TicketTag
from hookdesk.models.webhooks import WebhookEndpoint
from hookdesk.shared.clock import now
from hookdesk.shared.ids import new_id
from hookdesk.shared.queries import find_owned
from hookdesk.tickets import activity, views
from hookdesk.tickets.schemas import MAX_TAGS, ReplyCreate, TicketCreate, TicketUpdate
from hookdesk.webhooks.catalog import EventType
from hookdesk.webhooks.outbox import fanout
from hookdesk.webhooks.outbox.emit import emit
from hookdesk.webhooks.outbox.fanout import Subscriber
from hookdesk.webhooks.payloads import ClientView, ReplyView, TicketView, event_data

Row = TypeVar("Row", Client, Teammate)


@dataclass(frozen=True)
class TicketScope:
    """For a change the server makes on its own (received mail, a deleted teammate's tickets
    unassigned): the account, and how links in the ticket object start."""

    account_id: str
    public_url: str


# Whom a change is made for: who acts in a request, or the server on its own.
TicketActing = Acting | TicketScope


# Built once, and read as plain columns: every ticket create reads the client it is for (locked
# like `_referenced`'s), its category, the account's mail settings (for its notifications) and
# its enabled endpoints (for its deliveries) in this one statement: a row per endpoint, or one
# without any (outer joins).
_CLIENT_AND_CATEGORY = (
    select(
        Client.id,
        Client.name,
        Client.email,
        TicketCategory.id.label("category_id"),
        TicketCategory.title,
        TicketCategory.language,
        TicketCategory.auto_reply,
        TicketCategory.teammate_id,
        TicketCategory.subcategories,
        *mail_settings.NOTIFYING_COLUMNS,
        *fanout.SUBSCRIBER_COLUMNS,
    )
    .join(TicketCategory, TicketCategory.account_id == Client.account_id)
    .outerjoin(MailSettings, MailSettings.account_id == Client.account_id)
    .outerjoin(
        WebhookEndpoint,
        and_(WebhookEndpoint.account_id == Client.account_id, fanout.SENDING),
    )
    .where(
        Client.account_id == bindparam("account_id"),
        Client.id == bindparam("client_id"),
        TicketCategory.id == bindparam("category_id"),
        TicketCategory.deleted_at.is_(None),
    )
    .with_for_update(of=Client, read=True, key_share=True)
)
# When it finds nothing: whether the client is there (locked as `_referenced` locks it).
_CLIENT = (
    select(Client.id)
    .where(Client.account_id == bindparam("account_id"), Client.id == bindparam("client_id"))
    .with_for_update(read=True, key_share=True)
)
# The mail settings' columns of its rows, before the endpoint's.
_NOTIFYING = slice(
    -len(mail_settings.NOTIFYING_COLUMNS) - len(fanout.SUBSCRIBER_COLUMNS),
    -len(fanout.SUBSCRIBER_COLUMNS),
)
# The rows of a new ticket are written as plain inserts run by the driver (`db/direct.py`): ORM
# objects and their flush, even SQLAlchemy's execution of a statement, cost more than running it.
_INSERT_TICKET = insert(Ticket)
_INSERT_REPLIES = insert(Reply)


def create(session: direct.Unit, acting: TicketActing, data: TicketCreate) -> TicketView:
    """A new ticket, its event and notifications; `session` a Session when `data` has files,
    which are attached through the ORM."""
    rows = _client_and_category(session, acting, data)
    # Its writes are the driver's own, sent on PostgreSQL without waiting for each answer; but
    # files are attached through the ORM, which needs them.
    with contextlib.nullcontext() if data.assets else direct.pipelined(session):
        return _created(session, acting, data, rows)


def _created(
    session: direct.Unit, acting: TicketActing, data: TicketCreate, rows: Sequence[Any]
) -> TicketView:
    found = rows[0]
    moment = time.time()
    at = int(moment)
    ticket_id = new_id()
    direct.execute(
        session,
        _INSERT_TICKET,
        {
            "id": ticket_id,
            "account_id": acting.account_id,
            "client_id": found.id,
            "title": data.title,
            "is_open": True,
            "category_id": found.category_id,
            "subcategory": data.subcategory,
            "language": found.language,
            "teammate_id": found.teammate_id,
            "created_at": at,
            "updated_at": at,
            "created_us": int(moment * 1_000_000),
            "awaiting_agent": data.is_client_reply,
        },
    )
    said = [(data.description, data.is_client_reply)]
    if found.auto_reply:
        said.append((found.auto_reply, False))
    replies = _insert_replies(session, acting, ticket_id, at, said, data.assets)
    _record(session, acting, ticket_id, activity.Kind.OPENED, by_client=data.is_client_reply)
    # Built from the values just written rather than read back: a ticket create is the hot path.
    view = TicketView(
        id=ticket_id,
        title=data.title,
        is_open=True,
        created_at=at,
        updated_at=at,
        client=ClientView(id=found.id, name=found.name, email=found.email),
        teammate_id=found.teammate_id,
        replies=replies,
        category=found.title,
        subcategory=data.subcategory,
        language=found.language,
    )
    notifying = mail_settings.notifying_of(found[_NOTIFYING])
    endpoints = [
        (row.endpoint_id, row.endpoint_events, row.endpoint_ordered)
        for row in rows
        if row.endpoint_id is not None
    ]
    return _emit(
        session, acting, EventType.TICKET_CREATED, view, settings=notifying, endpoints=endpoints
    )


def _client_and_category(
    session: direct.Unit, acting: TicketActing, data: TicketCreate
) -> Sequence[Any]:
    """The rows of `_CLIENT_AND_CATEGORY` (named tuples), or the refusal naming the first one
    missing."""
    direct.flush(session)  # a client added in this transaction (received mail) is found
    rows = direct.execute(
        session,
        _CLIENT_AND_CATEGORY,
        {
            "account_id": acting.account_id,
            "client_id": str(data.client_id),
            "category_id": str(data.category),
        },
    )
    if not rows:
        known = {"account_id": acting.account_id, "client_id": str(data.client_id)}
        if not direct.execute(session, _CLIENT, known):
            raise _unknown("client_id", "client", data.client_id)
        raise _unknown("category", "ticket category", data.category)
    found = rows[0]
    if data.subcategory is not None and data.subcategory not in found.subcategories:
        raise BadRequest(
            f"'{data.subcategory}' is not a subcategory of '{found.title}'.",
            field="subcategory",
            code=ErrorCode.UNKNOWN_SUBCATEGORY,
        )
    return rows


def _insert_replies(
    session: direct.Unit,
    acting: TicketActing,
    ticket_id: str,
    at: int,
    said: Sequence[tuple[str, bool]],
    asset_ids: Sequence[UUID],
) -> tuple[ReplyView, ...]:
    """A new ticket's replies (text, is_client_reply), in one statement; the assets go on the
    first."""
    replies = [
        ReplyView(id=new_id(), text=text, is_client_reply=by_client, created_at=at)
        for text, by_client in said
    ]
    direct.execute_many(
        session,
        _INSERT_REPLIES,
        [
            {
                "id": reply.id,
                "account_id": acting.account_id,
                "ticket_id": ticket_id,
                "position": position,
                "text": reply.text,
                "is_client_reply": reply.is_client_reply,
                "author_id": None,
                "created_at": at,
            }
            for position, reply in enumerate(replies)
        ],
    )
    if asset_ids:
        assert isinstance(session, Session), "files are attached through the ORM"
        attached = assets.attach(
            session,
            account_id=acting.account_id,
            asset_ids=[str(a) for a in asset_ids],
            reply_id=replies[0].id,
        )
        shown = tuple(assets.view(a, public_url=acting.public_url) for a in attached)
        replies[0] = replace(replies[0], assets=shown)
    return tuple(replies)


def reply(
    session: Session,
    acting: TicketActing,
    ticket_id: str,
    data: ReplyCreate,
    *,
    author_id: str | None = None,
) -> TicketView:
    """Append a reply (`author_id`: the agent who wrote it in the console); a reply to a resolved
    ticket opens it again."""
    ticket = _locked(session, acting, ticket_id)
    before = _view(session, acting, ticket)
    if not ticket.is_open:
        _record(session, acting, ticket.id, activity.Kind.REOPENED, by_client=data.is_client_reply)
    ticket.is_open = True
    ticket.awaiting_agent = data.is_client_reply
    ticket.updated_at = now()
    # Replies are never removed, so the next position is the number of replies.
    position = len(before.replies)
    added = _add_reply(
        session, acting, ticket, position, data.reply, data.is_client_reply, data.assets, author_id
    )
    after = replace(
        before, is_open=True, updated_at=ticket.updated_at, replies=(*before.replies, added)
    )
    return _emit(session, acting, EventType.TICKET_UPDATED, after, added)


def assign(
    session: Session,
    acting: TicketActing,
    ticket_id: str,
    teammate_id: UUID | None,
    *,
    actor_id: str | None = None,
) -> TicketView:
    """Set or clear the teammate; only a change of teammate is an event. `actor_id`: the agent
    who did it in the console, who is not told of it by mail."""
    ticket = _locked(session, acting, ticket_id)
    new_teammate = None
    if teammate_id is not None:
        teammate = _referenced(session, acting, Teammate, teammate_id, field="teammate_id")
        if teammate.deleted_at is not None:
            raise _unknown("teammate_id", "teammate", teammate_id)
        new_teammate = teammate.id
    if new_teammate == ticket.teammate_id:
        return _view(session, acting, ticket)
    ticket.teammate_id = new_teammate
    ticket.updated_at = now()
    _record(session, acting, ticket.id, activity.Kind.ASSIGNED, teammate_id=new_teammate)
    view = _view(session, acting, ticket)
    return _emit(session, acting, EventType.TICKET_ASSIGNED, view, actor_id=actor_id)


def resolve(
    session: Session, acting: TicketActing, ticket_id: str, *, by_client: bool
) -> TicketView:
    ticket = _locked(session, acting, ticket_id)
    if not ticket.is_open:
        raise BadRequest(
            f"Ticket '{ticket.id}' is already resolved; a reply opens it again.",
            code=ErrorCode.TICKET_ALREADY_RESOLVED,
        )
    ticket.is_open = False
    ticket.resolved_by_client = by_client
    ticket.updated_at = now()
    _record(session, acting, ticket.id, activity.Kind.RESOLVED, by_client=by_client)
    return _emit(session, acting, EventType.TICKET_RESOLVED, _view(session, acting, ticket))


def update(
    session: Session, acting: TicketActing, ticket_id: str, data: TicketUpdate
) -> TicketView:
    """Set the tags (all of them) and the priority. Neither is in the events, so no event is
    emitted and `updated_at`, the last activity the events show, stays."""
    ticket = _locked(session, acting, ticket_id)
    if data.priority is not None:
        ticket.priority = data.priority.value
    if data.tags is not None:
        _replace_tags(session, acting, ticket, data.tags)
    return _view(session, acting, ticket)


def add_tag(session: Session, acting: TicketActing, ticket_id: str, tag: str) -> bool:
    """Add one tag (trimmed, in lower case: a `schemas.Tag`) to the ticket's; False when it had
    it already or holds MAX_TAGS. Like `update`, no event."""
    ticket = _locked(session, acting, ticket_id)
    tags = views.tags_by_ticket(session, account_id=acting.account_id, ticket_ids=[ticket.id])
    if tag in tags[ticket.id] or len(tags[ticket.id]) >= MAX_TAGS:
        return False
    session.add(TicketTag(ticket_id=ticket.id, tag=tag, account_id=acting.account_id))
    session.flush()
    return True


def _replace_tags(session: Session, acting: TicketActing, ticket: Ticket, tags: list[str]) -> None:
    session.execute(
        delete(TicketTag).where(
            TicketTag.account_id == acting.account_id, TicketTag.ticket_id == ticket.id
        )
    )
    # Tags arrive trimmed and in lower case; the same tag twice is kept once.
    session.add_all(
        TicketTag(ticket_id=ticket.id, tag=tag, account_id=acting.account_id)
        for tag in sorted(set(tags))
    )
    session.flush()


def get(session: Session, acting: TicketActing, ticket_id: str) -> TicketView:
    ticket = find_owned(session, Ticket, account_id=acting.account_id, object_id=ticket_id)
    if ticket is None:
        raise NotFound.of("ticket", ticket_id)
    return _view(session, acting, ticket)


def _emit(
    session: direct.Unit,
    acting: TicketActing,
    event_type: EventType,
    view: TicketView,
    reply: ReplyView | None = None,
    *,
    actor_id: str | None = None,
    settings: mail_settings.Notifying | None = None,
    endpoints: Sequence[Subscriber] | None = None,
) -> TicketView:
    data = event_data(view, reply)
    emit(
        session,
        account_id=acting.account_id,
        event_type=event_type,
        ticket_id=view.id,
        data=data,
        endpoints=endpoints,
    )
    # The same change told by mail to the ticket's people, in the same transaction.
    mail_outbox.queue(
        session,
        account_id=acting.account_id,
        event_type=event_type,
        data=data,
        actor_id=actor_id,
        settings=settings,
    )
    return view


def _record(
    session: direct.Unit,
    acting: TicketActing,
    ticket_id: str,
    kind: activity.Kind,
    *,
    by_client: bool = False,
    teammate_id: str | None = None,
) -> None:
    """Who did it, for the console's activity trail (the events do not say)."""
    subject = acting.subject if isinstance(acting, Acting) else None
    activity.record(
        session,
        account_id=acting.account_id,
        ticket_id=ticket_id,
        kind=kind,
        who=activity.by_whom(subject, by_client=by_client),
        teammate_id=teammate_id,
    )


def _view(session: Session, acting: TicketActing, ticket: Ticket) -> TicketView:
    return views.ticket_view(
        session, account_id=acting.account_id, ticket=ticket, public_url=acting.public_url
    )


def _locked(session: Session, acting: TicketActing, ticket_id: str) -> Ticket:
    """The ticket, locked until commit, so concurrent changes to it are applied one at a time."""
    ticket = find_owned(
        session, Ticket, account_id=acting.account_id, object_id=ticket_id, for_update=True
    )
    if ticket is None:
        raise NotFound.of("ticket", ticket_id)
    return ticket


def _add_reply(
    session: Session,
    acting: TicketActing,
    ticket: Ticket,
    position: int,
    text: str,
    is_client_reply: bool,
    asset_ids: Sequence[UUID],
    author_id: str | None = None,
) -> ReplyView:
    added = Reply(
        id=new_id(),
        account_id=acting.account_id,
        ticket_id=ticket.id,
        position=position,
        text=text,
        is_client_reply=is_client_reply,
        author_id=author_id,
        created_at=ticket.updated_at,
    )
    session.add(added)
    attached = assets.attach(
        session,
        account_id=acting.account_id,
        asset_ids=[str(a) for a in asset_ids],
        reply_id=added.id,
    )
    return views.reply_view(added, [assets.view(a, public_url=acting.public_url) for a in attached])


def _referenced(
    session: Session, acting: TicketActing, model: type[Row], object_id: UUID, *, field: str
) -> Row:
    # Locked so that it cannot go (a client being erased) between this look and the insert that
    # refers to it: an erasure in progress is waited for, and then the row is unknown.
    row = find_owned(
        session, model, account_id=acting.account_id, object_id=str(object_id), key_share=True
    )
    if row is None:
        raise _unknown(field, model.__name__.lower(), object_id)
    return row


def _unknown(field: str, noun: str, object_id: UUID) -> BadRequest:
    return BadRequest(
        f"no {noun} with id '{object_id}'.", field=field, code=ErrorCode.UNKNOWN_REFERENCE
    )

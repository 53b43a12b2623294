"""Erasing a client: everything of theirs goes in one transaction, and only counts stay behind.

Their tickets, replies, internal notes, tags and assets (rows, then files after the commit),
every stored event of those tickets with its deliveries and attempts (an attempt keeps the start
of the receiver's answer, which may echo the payload), pending deliveries included: the data
must go, so an event not yet delivered is never sent. Their portal links and portal sessions go
too. A `ClientErasure` row records that it happened and how much went: no name, email or text.

After the commit, SQLite's write-ahead log is checkpointed and truncated: with `secure_delete`
(see db/database.py) the deleted bytes are then gone from the database file and from the log.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Delete, Select, delete, func, or_, select
from sqlalchemy.orm import Session

from hookdesk.assets.storage import LocalStorage
from hookdesk.db import Database
from hookdesk.errors import NotFound
from hookdesk.models.access import OneTimeLink, WebSession
from hookdesk.models.assets import Asset
from hookdesk.models.clients import Client, ClientErasure
from hookdesk.models.mail import MailAttempt, MailMessage, MailThread
from hookdesk.models.ratings import TicketRating
from hookdesk.models.tickets import (
    Reply,
    Ticket,
    TicketActivity,
    TicketNote,
    TicketPresence,
    TicketTag,
)
from hookdesk.models.webhooks import Attempt, OutboxEvent, WebhookEvent
from hookdesk.retention.files import log, remove_files
from hookdesk.shared.clock import now
from hookdesk.shared.queries import find_owned

_NO_SYNC = {"synchronize_session": False}


@dataclass(frozen=True)
class Erased:
    record: ClientErasure
    files: list[str]  # storage keys of the client's assets, to remove after the commit


def erase_client(session: Session, *, account_id: str, client_id: str) -> Erased:
    """Delete the client and everything of theirs (404 when not the account's)."""
    client = find_owned(
        session, Client, account_id=account_id, object_id=client_id, for_update=True
    )
    if client is None:
        raise NotFound.of("client", client_id)
    tickets = select(Ticket.id).where(
        Ticket.account_id == account_id, Ticket.client_id == client.id
    )
    # Locked first (PostgreSQL; SQLite's writers are serialized already): a change of one of the
    # tickets either committed before, and its event is erased here, or waits and finds no ticket.
    session.execute(tickets.with_for_update())
    replies = select(Reply.id).where(Reply.account_id == account_id, Reply.ticket_id.in_(tickets))
    events = select(OutboxEvent.id).where(
        OutboxEvent.account_id == account_id, OutboxEvent.ticket_id.in_(tickets)
    )
    deliveries = select(WebhookEvent.id).where(
        WebhookEvent.account_id == account_id, WebhookEvent.event_seq.in_(events)
    )
    assets = session.scalars(
        select(Asset).where(Asset.account_id == account_id, Asset.reply_id.in_(replies))
    ).all()

    def gone(statement: Delete) -> int:
        return session.execute(statement, execution_options=_NO_SYNC).rowcount  # type: ignore[attr-defined,no-any-return]

    # Children before parents, so no foreign key is ever left dangling within the transaction.
    gone(
        delete(Attempt).where(Attempt.account_id == account_id, Attempt.delivery_id.in_(deliveries))
    )
    delivery_count = gone(delete(WebhookEvent).where(WebhookEvent.id.in_(deliveries)))
    event_count = gone(delete(OutboxEvent).where(OutboxEvent.id.in_(events)))
    _erase_mail(session, account_id, client, tickets)
    gone(delete(Asset).where(Asset.id.in_([asset.id for asset in assets])))
    reply_count = gone(delete(Reply).where(Reply.id.in_(replies)))
    note_count = gone(
        delete(TicketNote).where(
            TicketNote.account_id == account_id, TicketNote.ticket_id.in_(tickets)
        )
    )
    gone(
        delete(TicketPresence).where(
            TicketPresence.account_id == account_id, TicketPresence.ticket_id.in_(tickets)
        )
    )
    gone(
        delete(TicketActivity).where(
            TicketActivity.account_id == account_id, TicketActivity.ticket_id.in_(tickets)
        )
    )
    gone(
        delete(TicketRating).where(
            TicketRating.account_id == account_id, TicketRating.ticket_id.in_(tickets)
        )
    )
    gone(
        delete(TicketTag).where(
            TicketTag.account_id == account_id, TicketTag.ticket_id.in_(tickets)
        )
    )
    ticket_count = gone(delete(Ticket).where(Ticket.id.in_(tickets)))
    _end_portal_access(session, account_id, client.id)
    gone(delete(Client).where(Client.account_id == account_id, Client.id == client.id))
    record = ClientErasure(
        account_id=account_id,
        client_id=client.id,
        erased_at=now(),
        tickets=ticket_count,
        replies=reply_count,
        assets=len(assets),
        events=event_count,
        deliveries=delivery_count,
        notes=note_count,
    )
    session.add(record)
    session.flush()
    return Erased(record, [asset.storage_key for asset in assets])


def _erase_mail(session: Session, account_id: str, client: Client, tickets: Select[Any]) -> None:
    """The mail of the client's tickets, and any other to or from them (a portal link they asked
    for, a message of theirs that was ignored): it holds their address and their words."""
    address = client.email.lower()
    mail = select(MailMessage.id).where(
        MailMessage.account_id == account_id,
        or_(
            MailMessage.ticket_id.in_(tickets),
            MailMessage.recipient_id == client.id,
            func.lower(MailMessage.from_address) == address,
            func.lower(MailMessage.to_address) == address,
        ),
    )
    options = _NO_SYNC
    session.execute(
        delete(MailAttempt).where(
            MailAttempt.account_id == account_id, MailAttempt.mail_message_id.in_(mail)
        ),
        execution_options=options,
    )
    session.execute(delete(MailMessage).where(MailMessage.id.in_(mail)), execution_options=options)
    session.execute(
        delete(MailThread).where(
            MailThread.account_id == account_id, MailThread.ticket_id.in_(tickets)
        ),
        execution_options=options,
    )


def _end_portal_access(session: Session, account_id: str, client_id: str) -> None:
    session.execute(
        delete(OneTimeLink).where(
            OneTimeLink.account_id == account_id, OneTimeLink.subject_id == client_id
        )
    )
    session.execute(
        delete(WebSession).where(
            WebSession.account_id == account_id, WebSession.subject_id == client_id
        )
    )


def after_commit(database: Database, storage: LocalStorage, erased: Erased) -> None:
    """What must wait for the commit: removing the files, and SQLite's log of the deleted bytes."""
    remove_files(storage, erased.files)
    if not database.checkpoint():
        log.warning(
            "SQLite's write-ahead log could not be truncated (a reader held it): erased bytes "
            "may stay in it until they are overwritten"
        )

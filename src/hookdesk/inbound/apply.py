"""Apply one received message: record it under its Message-ID, and make it a new ticket, a
client's reply or an agent's reply, in one transaction, or record why it was ignored.

The record's Message-ID is unique in the account: the same message received again (an IMAP
mailbox read twice after a crash, a provider's retry) is refused by the database and changes
nothing."""

import hashlib
from dataclasses import dataclass
from io import BytesIO
from typing import Literal
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hookdesk.assets import service as assets
from hookdesk.categories import service as categories
from hookdesk.clients import service as clients
from hookdesk.clients.schemas import ClientCreate
from hookdesk.config import Settings
from hookdesk.db import Database
from hookdesk.errors import HookdeskError
from hookdesk.inbound.parse import Parsed, Unreadable, parse
from hookdesk.mail import settings as mail_settings
from hookdesk.mail import threads
from hookdesk.mail.statuses import Direction, Status
from hookdesk.models.clients import Client
from hookdesk.models.mail import MailMessage, MailThread
from hookdesk.models.teammates import Teammate
from hookdesk.models.tickets import Ticket
from hookdesk.shared.clock import now
from hookdesk.shared.ids import new_id
from hookdesk.tickets import service as tickets
from hookdesk.tickets.schemas import MAX_ASSETS_PER_REPLY, ReplyCreate, TicketCreate
from hookdesk.webhooks.payloads import TicketView

Action = Literal["created", "replied", "ignored"]
NO_SUBJECT = "(no subject)"
ONLY_ATTACHMENTS = "(attachments only)"


@dataclass(frozen=True)
class Outcome:
    action: Action
    reason: str | None = None
    ticket: TicketView | None = None


class Ignored(Exception):
    def __init__(self, reason: str, kind: str = "unknown") -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind


def apply(database: Database, settings: Settings, *, account_id: str, raw: bytes) -> Outcome:
    """What became of the message; the same message a second time changes nothing."""
    too_big = len(raw) > settings.max_mail_bytes
    try:
        parsed = parse(raw, body=not too_big)  # the headers are enough to record why it is ignored
    except Unreadable as error:
        return _record_ignored(database, account_id, None, str(error), raw=raw)
    if too_big:
        reason = f"the message is {len(raw)} bytes, over the limit of {settings.max_mail_bytes}"
        return _record_ignored(database, account_id, parsed, reason)
    try:
        with database.write() as session:
            return _apply(session, settings, account_id, parsed)
    except Ignored as ignored:
        return _record_ignored(database, account_id, parsed, ignored.reason, ignored.kind)
    except HookdeskError as refused:
        return _record_ignored(database, account_id, parsed, refused.message)
    except IntegrityError:
        return Outcome("ignored", _already(parsed))


def _apply(session: Session, settings: Settings, account_id: str, parsed: Parsed) -> Outcome:
    record = _record(account_id, parsed, Status.APPLIED)
    session.add(record)
    session.flush()  # takes the Message-ID now: a second copy stops here (IntegrityError)
    _refuse_automatic(session, account_id, parsed)
    scope = tickets.TicketScope(account_id=account_id, public_url=settings.public_url)
    ticket = _ticket_answered(session, account_id, parsed)
    if ticket is not None:
        view, record.kind = _reply(session, settings, scope, ticket, parsed)
        action: Action = "replied"
    else:
        view = _open_ticket(session, settings, scope, parsed)
        record.kind, action = "new_ticket", "created"
    record.ticket_id = view.id
    record.reply_id = view.replies[-1].id if action == "replied" else view.replies[0].id
    return Outcome(action, None, view)


def _refuse_automatic(session: Session, account_id: str, parsed: Parsed) -> None:
    if parsed.unreadable:
        raise Ignored(parsed.unreadable)
    if parsed.automatic:
        raise Ignored(parsed.automatic)
    own = select(MailMessage.id).where(
        MailMessage.account_id == account_id,
        MailMessage.direction == Direction.OUTBOUND,
        MailMessage.message_id == parsed.message_id,
    )
    if session.scalar(own) is not None:
        raise Ignored("one of the account's own notifications")
    configured = mail_settings.get(session, account_id=account_id)
    ours = {a.lower() for a in (configured.from_address, configured.reply_to_address) if a}
    if parsed.sender in ours:
        raise Ignored(f"sent from the account's own address {parsed.sender} (a mail loop)")


def _ticket_answered(session: Session, account_id: str, parsed: Parsed) -> Ticket | None:
    """The ticket by the +token of a recipient, else by the messages it answers."""
    for recipient in parsed.recipients:
        local = recipient.rpartition("@")[0]
        if "+" in local:
            thread = threads.by_token(
                session, account_id=account_id, token=local.rpartition("+")[2]
            )
            if thread is not None:
                return _ticket(session, account_id, thread.ticket_id)
    for answered in parsed.answers:
        ticket_id = session.scalar(
            select(MailThread.ticket_id).where(
                MailThread.account_id == account_id, MailThread.root_message_id == answered
            )
        ) or session.scalar(
            select(MailMessage.ticket_id).where(
                MailMessage.account_id == account_id, MailMessage.message_id == answered
            )
        )
        if ticket_id is not None:
            return _ticket(session, account_id, ticket_id)
    return None


def _ticket(session: Session, account_id: str, ticket_id: str) -> Ticket | None:
    ticket = session.get(Ticket, ticket_id)
    return ticket if ticket is not None and ticket.account_id == account_id else None


def _reply(
    session: Session, settings: Settings, scope: tickets.TicketScope, ticket: Ticket, parsed: Parsed
) -> tuple[TicketView, str]:
    client = session.get(Client, ticket.client_id)
    teammate = _teammate(session, scope.account_id, parsed.sender)
    if client is not None and client.email.lower() == parsed.sender:
        author_id, is_client, kind = None, True, "client_reply"
    elif teammate is not None:
        author_id, is_client, kind = teammate.id, False, "agent_reply"
    else:
        raise Ignored(f"{parsed.sender} is neither the ticket's client nor a teammate")
    data = ReplyCreate(
        reply=_text(parsed),
        is_client_reply=is_client,
        assets=_stored_attachments(session, settings, scope.account_id, parsed),
    )
    return tickets.reply(session, scope, ticket.id, data, author_id=author_id), kind


def _open_ticket(
    session: Session, settings: Settings, scope: tickets.TicketScope, parsed: Parsed
) -> TicketView:
    if _teammate(session, scope.account_id, parsed.sender) is not None:
        raise Ignored(f"{parsed.sender} is a teammate: a ticket is opened by a client")
    live = categories.list_all(session, account_id=scope.account_id)
    if not live:
        raise Ignored("the account has no ticket category to open a ticket in")
    client = _client(session, scope.account_id, parsed)
    data = TicketCreate(
        client_id=client.id,
        title=(parsed.subject or NO_SUBJECT)[:200],
        description=_text(parsed),
        category=live[-1].id,  # the oldest
        is_client_reply=True,
        assets=_stored_attachments(session, settings, scope.account_id, parsed),
    )
    view = tickets.create(session, scope, data)
    # The client's own message starts the thread: the answers thread under it in their mailbox.
    domain = parsed.message_id.rpartition("@")[2].rstrip(">")
    threads.of_ticket(
        session,
        account_id=scope.account_id,
        ticket_id=view.id,
        domain=domain,
        root=parsed.message_id,
    )
    return view


def _client(session: Session, account_id: str, parsed: Parsed) -> Client:
    found = session.scalars(
        select(Client)
        .where(Client.account_id == account_id, func.lower(Client.email) == parsed.sender)
        .order_by(Client.created_at)
        .limit(1)
    ).first()
    if found is not None:
        return found
    if mail_settings.get(session, account_id=account_id).unknown_senders == "ignore":
        raise Ignored(f"{parsed.sender} is not a client, and unknown senders are ignored")
    name = parsed.sender_name or parsed.sender.partition("@")[0]
    try:
        data = ClientCreate(name=name[:200], email=parsed.sender)
    except ValueError:
        raise Ignored(f"{parsed.sender} cannot be a client's address") from None
    return clients.create(session, account_id=account_id, data=data)


def _teammate(session: Session, account_id: str, address: str) -> Teammate | None:
    return session.scalars(
        select(Teammate).where(
            Teammate.account_id == account_id,
            func.lower(Teammate.email) == address,
            Teammate.disabled_at.is_(None),
            Teammate.deleted_at.is_(None),
        )
    ).first()


def _text(parsed: Parsed) -> str:
    if parsed.text:
        return parsed.text[:20_000]
    if parsed.attachments:
        return ONLY_ATTACHMENTS
    raise Ignored("the message has no text")


def _stored_attachments(
    session: Session, settings: Settings, account_id: str, parsed: Parsed
) -> list[UUID]:
    """The attachments as assets: all checked first (the limits of an upload), then stored."""
    if len(parsed.attachments) > MAX_ASSETS_PER_REPLY:
        raise Ignored(
            f"{len(parsed.attachments)} attachments, over the limit of {MAX_ASSETS_PER_REPLY}"
        )
    files = [
        assets.NewFile(a.filename or "attachment", len(a.content), BytesIO(a.content))
        for a in parsed.attachments
    ]
    try:
        kept = assets.store(files, account_id=account_id, settings=settings)
    except assets.FileRefused as refused:
        raise Ignored(str(refused)) from None
    return assets.add(session, account_id=account_id, files=kept)


def _record(account_id: str, parsed: Parsed | None, status: Status) -> MailMessage:
    at = now()
    return MailMessage(
        id=new_id(),
        account_id=account_id,
        direction=Direction.INBOUND,
        kind="unknown",
        status=status,
        to_address=(parsed.recipients[0] if parsed and parsed.recipients else "")[:320],
        from_address=parsed.sender[:320] if parsed else None,
        subject=parsed.subject if parsed else None,
        message_id=parsed.message_id if parsed else None,
        attempt_count=0,
        created_at=at,
        updated_at=at,
    )


def _record_ignored(
    database: Database,
    account_id: str,
    parsed: Parsed | None,
    reason: str,
    kind: str = "unknown",
    *,
    raw: bytes | None = None,
) -> Outcome:
    record = _record(account_id, parsed, Status.IGNORED)
    record.kind, record.reason = kind, reason
    if parsed is None and raw is not None:
        record.message_id = _unreadable_id(raw)
    try:
        with database.write() as session:
            session.add(record)
    except IntegrityError:
        return Outcome("ignored", _already(parsed))
    return Outcome("ignored", reason)


def _unreadable_id(raw: bytes) -> str:
    return f"<{hashlib.sha256(raw).hexdigest()}@unreadable>"


def _already(parsed: Parsed | None) -> str:
    shown = parsed.message_id if parsed else "this message"
    return f"already received ({shown})"

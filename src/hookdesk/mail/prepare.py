"""A queued notification made ready to send: its server, its sender, and the message rendered in
the ticket's language and the agency's brand, threaded with the ticket's other mail.

Runs in a write transaction: the ticket's thread is made with its first message, and a client's
message carries a new one-time link into the portal."""

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parseaddr
from urllib.parse import urlencode

from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import Session

from hookdesk.access import links
from hookdesk.accounts import brand
from hookdesk.assets import service as assets
from hookdesk.config import Settings
from hookdesk.errors import NotFound
from hookdesk.mail import settings as mail_settings
from hookdesk.mail import threads
from hookdesk.mail.render.compose import Address, Envelope, compose, new_message_id, with_token
from hookdesk.mail.render.content import Attachment, Kind, Notification, render
from hookdesk.models.accounts import Account
from hookdesk.models.clients import Client
from hookdesk.models.mail import MailMessage, MailSettings, MailThread
from hookdesk.models.teammates import Teammate
from hookdesk.models.tickets import Reply, Ticket
from hookdesk.net.mailurls import SENDING, MailUrl, parse
from hookdesk.shared.secretbox import SecretBox

CLIENT_KINDS = {Kind.TICKET_OPENED, Kind.AGENT_REPLIED, Kind.TICKET_RESOLVED}
LINK_LIFETIME = 7 * 86_400  # a portal link in a mailbox waits longer than one handed over live


class Unsendable(Exception):
    """The message cannot be made (its ticket is gone, no sender is configured): why."""


@dataclass(frozen=True)
class Prepared:
    server: MailUrl | None  # None: no SMTP server configured, for the account or the server
    sender: str
    to: str
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


@dataclass(frozen=True)
class Draft:
    """What a message says and to whom, read (and its thread and link made) in a transaction;
    rendered apart from it, so that no write lock is held while templates render."""

    server: MailUrl | None
    sender: str
    to: str
    notification: Notification
    envelope: Envelope

    def composed(self) -> Prepared:
        message = compose(render(self.notification), self.envelope)
        return Prepared(self.server, self.sender, self.to, message)


def prepare(session: Session, row: MailMessage, config: Settings, box: SecretBox) -> Prepared:
    return draft(session, row, config, box).composed()


@dataclass(frozen=True)
class _Known:
    """The rows a message is drafted from, read together (`_KNOWN`); None where there is none."""

    account: Account
    settings: MailSettings | None  # None: the account never saved its own
    ticket: Ticket | None
    thread: MailThread | None  # None: the ticket's first message makes it
    reply: Reply | None
    teammate: Teammate | None  # the reply's author, when a teammate wrote it
    client: Client | None  # the ticket's


# Built once: every row a message is drafted from that is found by key, in one statement (outer
# joins from the account) instead of one each: on PostgreSQL each is a round trip, and these were
# most of a message's drafting.
_KNOWN = (
    select(Account, MailSettings, Ticket, MailThread, Reply, Teammate, Client)
    .outerjoin(MailSettings, MailSettings.account_id == Account.id)
    .outerjoin(Ticket, and_(Ticket.account_id == Account.id, Ticket.id == bindparam("ticket_id")))
    .outerjoin(MailThread, MailThread.ticket_id == Ticket.id)
    .outerjoin(Reply, and_(Reply.ticket_id == Ticket.id, Reply.id == bindparam("reply_id")))
    .outerjoin(Teammate, Teammate.id == Reply.author_id)
    .outerjoin(Client, Client.id == Ticket.client_id)
    .where(Account.id == bindparam("account_id"))
)


def _known(session: Session, row: MailMessage) -> _Known:
    parameters = {
        "account_id": row.account_id,
        "ticket_id": row.ticket_id,
        "reply_id": row.reply_id,
    }
    found = session.execute(_KNOWN, parameters).first()
    if found is None:  # the account is erased with its messages: this one went meanwhile
        raise Unsendable("the account is gone")
    return _Known(*found)


def draft(session: Session, row: MailMessage, config: Settings, box: SecretBox) -> Draft:
    known = _known(session, row)
    shown = brand.brand_of(known.account)
    settings = known.settings or mail_settings.defaults(row.account_id)
    sender = _sender(
        settings.from_name, settings.from_address, config.mail_from, shown.display_name
    )
    server = _server(settings.smtp_url, settings.smtp_password, config.smtp_url, box)
    if row.kind == Kind.PORTAL_LINK:
        notification, envelope = _portal_link(session, row, config, shown, sender)
        return Draft(server, sender.address, row.to_address, notification, envelope)
    ticket = known.ticket
    if ticket is None:
        raise Unsendable("the ticket is gone")
    mailbox = Address(sender.name, settings.reply_to_address or sender.address)
    thread = known.thread or threads.of_ticket(
        session, account_id=row.account_id, ticket_id=ticket.id, domain=sender.domain
    )
    notification = Notification(
        kind=Kind(row.kind),
        language=ticket.language,
        brand=shown,
        recipient_name=row.to_name or row.to_address,
        title=ticket.title,
        text=None,
        link=_link(session, row, ticket, config),
        replies_by_mail=settings.imap_url is not None and row.kind != Kind.TICKET_RESOLVED,
    )
    notification = _with_reply(session, notification, known, config)
    envelope = Envelope(
        sender=sender,
        recipient=Address(row.to_name, row.to_address),
        message_id=new_message_id(sender),
        reply_to=with_token(mailbox, thread.token),
        thread=_thread(session, row, thread.root_message_id),
    )
    return Draft(server, sender.address, row.to_address, notification, envelope)


def _portal_link(
    session: Session, row: MailMessage, config: Settings, shown: brand.Brand, sender: Address
) -> tuple[Notification, Envelope]:
    """A sign-in link the client asked for on the portal, in the language of their last ticket."""
    if row.recipient_id is None:
        raise Unsendable("the client is gone")
    try:
        link = links.portal(
            session,
            account_id=row.account_id,
            client_id=row.recipient_id,
            public_url=config.public_url,
        )
    except NotFound:
        raise Unsendable("the client is gone") from None
    language = session.scalar(
        select(Ticket.language)
        .where(Ticket.account_id == row.account_id, Ticket.client_id == row.recipient_id)
        .order_by(Ticket.created_us.desc())
        .limit(1)
    )
    notification = Notification(
        kind=Kind.PORTAL_LINK,
        language=language or "en",
        brand=shown,
        recipient_name=row.to_name or row.to_address,
        title="",
        link=link.url,
        replies_by_mail=False,
    )
    envelope = Envelope(
        sender=sender,
        recipient=Address(row.to_name, row.to_address),
        message_id=new_message_id(sender),
    )
    return notification, envelope


def _sender(
    name: str | None, address: str | None, default: str | None, display_name: str
) -> Address:
    if address:
        return Address(name or display_name, address)
    if default:
        default_name, default_address = parseaddr(default)
        return Address(name or default_name or display_name, default_address)
    raise Unsendable("no sender: set from_address, or HOOKDESK_MAIL_FROM on the server")


def _server(
    smtp_url: str | None, sealed: str | None, default: str | None, box: SecretBox
) -> MailUrl | None:
    if smtp_url:
        return mail_settings.opened_url(smtp_url, sealed, box)
    return parse(default, schemes=SENDING) if default else None


def _link(session: Session, row: MailMessage, ticket: Ticket, config: Settings) -> str:
    """The conversation: through a one-time portal link for the client, in the console for a
    teammate."""
    if row.kind in CLIENT_KINDS:
        portal = links.portal(
            session,
            account_id=row.account_id,
            client_id=ticket.client_id,
            public_url=config.public_url,
            lifetime=LINK_LIFETIME,
        )
        return f"{portal.url}?{urlencode({'ticket': ticket.id})}"
    return f"{config.public_url}/console/tickets/{ticket.id}"


def _with_reply(
    session: Session, notification: Notification, known: _Known, config: Settings
) -> Notification:
    reply = known.reply
    if reply is None:
        return notification
    files = assets.for_replies(session, account_id=reply.account_id, reply_ids=[reply.id])
    shown = [assets.view(f, public_url=config.public_url) for f in files]
    return Notification(
        **{
            **notification.__dict__,
            "text": reply.text,
            "author": _author(reply, known, notification),
            "attachments": tuple(Attachment(f.filename, f.public_url) for f in shown),
        }
    )


def _author(reply: Reply, known: _Known, notification: Notification) -> str:
    if reply.is_client_reply:
        return known.client.name if known.client else notification.recipient_name
    return known.teammate.name if known.teammate else notification.brand.display_name


def _thread(session: Session, row: MailMessage, root: str) -> tuple[str, ...]:
    """The thread's root, then the ticket's latest message before this one."""
    latest = session.scalar(
        select(MailMessage.message_id)
        .where(
            MailMessage.ticket_id == row.ticket_id,
            MailMessage.message_id.is_not(None),
            MailMessage.id != row.id,
        )
        .order_by(MailMessage.created_at.desc(), MailMessage.updated_at.desc())
        .limit(1)
    )
    return tuple(dict.fromkeys([root, *([latest] if latest else [])]))

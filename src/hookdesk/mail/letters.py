"""The letter opener: an account's notifications as their recipients read them, for the console.
Without a mail server (development), it is where mail is seen at all."""

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select

from hookdesk.config import Settings
from hookdesk.db import Database
from hookdesk.errors import NotFound
from hookdesk.mail import settings as mail_settings
from hookdesk.mail.prepare import Unsendable, prepare
from hookdesk.mail.statuses import Direction
from hookdesk.models.mail import MailMessage
from hookdesk.shared.secretbox import SecretBox

SHOWN = 100


@dataclass(frozen=True)
class Envelope:
    id: str
    kind: str
    to: str
    status: str
    attempt_count: int
    created_at: int


@dataclass(frozen=True)
class Letter:
    envelope: Envelope
    subject: str
    sender: str
    reply_to: str
    html: str
    text: str


def can_send(database: Database, config: Settings, *, account_id: str) -> bool:
    """Whether there is a mail server to send through: the account's or the server's."""
    with database.read() as session:
        own = mail_settings.get(session, account_id=account_id).smtp_url
    return bool(own or config.smtp_url)


def envelopes(database: Database, *, account_id: str) -> Sequence[Envelope]:
    with database.read() as session:
        rows = session.scalars(
            select(MailMessage)
            .where(
                MailMessage.account_id == account_id,
                MailMessage.direction == Direction.OUTBOUND,
            )
            .order_by(MailMessage.created_at.desc(), MailMessage.id)
            .limit(SHOWN)
        ).all()
        return [_envelope(row) for row in rows]


def letter(
    database: Database, config: Settings, box: SecretBox, *, account_id: str, message_id: str
) -> Letter:
    """The message rendered as it is sent (its thread and portal link are made as for sending).
    Without any sender configured, as in development, it shows one at the server's host name."""
    if not config.mail_from:
        host = urlsplit(config.public_url).hostname or "localhost"
        config = config.model_copy(update={"mail_from": f"no-reply@{host}"})
    with database.write() as session:
        row = session.get(MailMessage, message_id)
        if row is None or row.account_id != account_id or row.direction != Direction.OUTBOUND:
            raise NotFound.of("mail message", message_id)
        try:
            prepared = prepare(session, row, config, box)
        except Unsendable as error:
            raise NotFound(f"This message cannot be shown: {error}.") from None
        message = prepared.message
        html, text = message.get_body(("html",)), message.get_body(("plain",))
        return Letter(
            envelope=_envelope(row),
            subject=prepared.subject,
            sender=str(message["From"]),
            reply_to=str(message["Reply-To"] or ""),
            html=str(html.get_content()) if html else "",
            text=str(text.get_content()) if text else "",
        )


def _envelope(row: MailMessage) -> Envelope:
    return Envelope(row.id, row.kind, row.to_address, row.status, row.attempt_count, row.created_at)

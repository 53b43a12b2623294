"""A ticket's mail thread: the token its `Reply-To` addresses carry and the Message-ID that every
message of the ticket refers to, so mail clients show them as one conversation."""

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from hookdesk.models.mail import MailThread


def of_ticket(
    session: Session, *, account_id: str, ticket_id: str, domain: str, root: str | None = None
) -> MailThread:
    """The ticket's thread, made with its first message: `root` is the Message-ID of the email
    that opened the ticket, if one did; otherwise one is made in `domain`."""
    found = session.get(MailThread, ticket_id)
    if found is not None:
        return found
    made = MailThread(
        ticket_id=ticket_id,
        account_id=account_id,
        token=secrets.token_hex(10),
        root_message_id=root or f"<ticket.{ticket_id}@{domain}>",
    )
    session.add(made)
    session.flush()
    return made


def by_token(session: Session, *, account_id: str, token: str) -> MailThread | None:
    return session.scalar(
        select(MailThread).where(MailThread.account_id == account_id, MailThread.token == token)
    )

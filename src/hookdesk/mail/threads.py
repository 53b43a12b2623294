"""A ticket's mail thread: the token its `Reply-To` addresses carry and the Message-ID that every
message of the ticket refers to, so mail clients show them as one conversation."""

import secrets

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from hookdesk.db import direct
from hookdesk.db.dialects import on_postgresql
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


# Built once per database, and run on the session's connection (no ORM): every ticket change that
# notifies anyone runs it.
_ENSURE = {
    postgresql: insert(MailThread).on_conflict_do_nothing(index_elements=[MailThread.ticket_id])
    for postgresql, insert in ((True, pg_insert), (False, sqlite_insert))
}


def ensure(session: direct.Unit, *, account_id: str, ticket_id: str, domain: str) -> None:
    """The ticket's thread made unless it has one, in one statement that reads nothing first (as
    `of_ticket` would make it, its Message-ID in `domain`)."""
    direct.execute(
        session,
        _ENSURE[on_postgresql(session)],
        {
            "ticket_id": ticket_id,
            "account_id": account_id,
            "token": secrets.token_hex(10),
            "root_message_id": f"<ticket.{ticket_id}@{domain}>",
        },
    )


def by_token(session: Session, *, account_id: str, token: str) -> MailThread | None:
    return session.scalar(
        select(MailThread).where(MailThread.account_id == account_id, MailThread.token == token)
    )

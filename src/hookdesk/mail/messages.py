"""The mail log: an account's messages, newest first, each with its attempts."""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hookdesk.errors import NotFound
from hookdesk.models.mail import MailAttempt, MailMessage
from hookdesk.shared.paging import Page
from hookdesk.shared.queries import paginate

NAME = "mail_message"


@dataclass(frozen=True)
class MessageFilters:
    direction: str | None = None
    status: str | None = None
    ticket_id: str | None = None


def list_page(
    session: Session, *, account_id: str, filters: MessageFilters, page: Page
) -> tuple[int, Sequence[MailMessage]]:
    statement = select(MailMessage).where(MailMessage.account_id == account_id)
    if filters.direction:
        statement = statement.where(MailMessage.direction == filters.direction)
    if filters.status:
        statement = statement.where(MailMessage.status == filters.status)
    if filters.ticket_id:
        statement = statement.where(MailMessage.ticket_id == filters.ticket_id)
    statement = statement.order_by(MailMessage.created_at.desc(), MailMessage.id.desc())
    return paginate(session, statement, page)


def get(session: Session, *, account_id: str, message_id: str) -> MailMessage:
    found = session.get(MailMessage, message_id)
    if found is None or found.account_id != account_id:
        raise NotFound.of(NAME.replace("_", " "), message_id)
    return found


def attempts_of(session: Session, *, account_id: str, message_id: str) -> Sequence[MailAttempt]:
    return session.scalars(
        select(MailAttempt)
        .where(MailAttempt.account_id == account_id, MailAttempt.mail_message_id == message_id)
        .order_by(MailAttempt.id)
    ).all()


def message_object(
    message: MailMessage, attempts: Sequence[MailAttempt] | None = None
) -> dict[str, object]:
    shown: dict[str, object] = {
        "id": message.id,
        "object": NAME,
        "direction": message.direction,
        "ticket_id": message.ticket_id,
        "to": message.to_address,
        "from": message.from_address,
        "subject": message.subject,
        "kind": message.kind,
        "status": message.status,
        "reason": message.reason,
        "attempt_count": message.attempt_count,
        "created_at": message.created_at,
    }
    if attempts is not None:
        shown["attempts"] = [attempt_object(a) for a in attempts]
    return shown


def attempt_object(attempt: MailAttempt) -> dict[str, object]:
    return {
        "at": int(attempt.attempted_at),
        "status": attempt.status,
        "duration_ms": attempt.duration_ms,
        "response": attempt.response,
    }

"""A ticket's activity: who opened, assigned, resolved or reopened it, and the emails sent about
it. The tickets service records each change here in the transaction of the change; the events
do not say who acted and stay as they are. For the console's conversation only.
"""

import time
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from hookdesk.accounts.acting import Agent, ApiKey, Client, Subject
from hookdesk.db import direct
from hookdesk.mail.statuses import Direction, Status
from hookdesk.models.mail import MailMessage
from hookdesk.models.tickets import TicketActivity
from hookdesk.shared.ids import new_id


class Kind(StrEnum):
    OPENED = "opened"
    ASSIGNED = "assigned"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    EMAILED = "emailed"  # read from the mail sent, never recorded here


class By(StrEnum):
    AGENT = "agent"  # a teammate in the console
    CLIENT = "client"  # the client: in the portal, by mail, or a client reply sent through the API
    API = "api"  # a request with an API key
    SERVER = "server"  # the server on its own (a deleted teammate's tickets unassigned)


@dataclass(frozen=True)
class Activity:
    kind: Kind
    by: By
    actor_id: str | None
    # Assigned: to whom; emailed: to which address.
    teammate_id: str | None
    created_at: int
    created_us: int
    to_address: str | None = None


def by_whom(subject: Subject | None, *, by_client: bool = False) -> tuple[By, str | None]:
    """Who acts, and the agent's id when an agent does. `by_client`: the change is the client's
    whoever sends it (a client reply through the API, a client's email)."""
    if by_client or isinstance(subject, Client):
        return By.CLIENT, None
    if isinstance(subject, Agent):
        return By.AGENT, subject.teammate_id
    if isinstance(subject, ApiKey):
        return By.API, None
    return By.SERVER, None


# Built once, and run on the session's connection: every ticket change writes one, and an ORM
# object's flush cost more than the insert. The ticket it refers to is written (or locked) first.
_INSERT = insert(TicketActivity)


def record(
    session: direct.Unit,
    *,
    account_id: str,
    ticket_id: str,
    kind: Kind,
    who: tuple[By, str | None],
    teammate_id: str | None = None,
) -> None:
    moment = time.time()
    direct.execute(
        session,
        _INSERT,
        {
            "id": new_id(),
            "account_id": account_id,
            "ticket_id": ticket_id,
            "kind": kind.value,
            "by": who[0].value,
            "actor_id": who[1],
            "teammate_id": teammate_id,
            "created_at": int(moment),
            "created_us": int(moment * 1_000_000),
        },
    )


def of_ticket(session: Session, *, account_id: str, ticket_id: str) -> list[Activity]:
    """What was recorded, then the emails sent (accepted by the mail server), in order."""
    statement = (
        select(TicketActivity)
        .where(TicketActivity.account_id == account_id, TicketActivity.ticket_id == ticket_id)
        .order_by(TicketActivity.created_us, TicketActivity.id)
    )
    recorded = [
        Activity(
            kind=Kind(row.kind),
            by=By(row.by),
            actor_id=row.actor_id,
            teammate_id=row.teammate_id,
            created_at=row.created_at,
            created_us=row.created_us,
        )
        for row in session.scalars(statement)
    ]
    return sorted([*recorded, *_emails(session, account_id, ticket_id)], key=_order)


def _emails(session: Session, account_id: str, ticket_id: str) -> list[Activity]:
    statement = (
        select(MailMessage.to_address, MailMessage.updated_at)
        .where(
            MailMessage.account_id == account_id,
            MailMessage.ticket_id == ticket_id,
            MailMessage.direction == Direction.OUTBOUND,
            MailMessage.status == Status.SENT,
        )
        .order_by(MailMessage.updated_at, MailMessage.id)
    )
    return [
        Activity(
            kind=Kind.EMAILED,
            by=By.SERVER,
            actor_id=None,
            teammate_id=None,
            created_at=row.updated_at,
            # Sent within the second after anything recorded in it.
            created_us=row.updated_at * 1_000_000 + 999_999,
            to_address=row.to_address,
        )
        for row in session.execute(statement)
    ]


def _order(activity: Activity) -> int:
    return activity.created_us

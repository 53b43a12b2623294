"""Queue the notifications a ticket change causes, in the transaction of the change: one row per
recipient, sent by the dispatchers like a webhook delivery.

The client hears of an agent's reply, of the ticket opened and of its resolution; teammates of a
new ticket and of the client's replies (the assignee, or every teammate when there is none), and
the assignee of the assignment."""

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.orm import Session

from hookdesk.db import direct
from hookdesk.db.wakeup import Wake, request_wakeup
from hookdesk.mail import settings as mail_settings
from hookdesk.mail import threads
from hookdesk.mail.render.content import Kind
from hookdesk.mail.statuses import Direction, Status
from hookdesk.models.clients import Client
from hookdesk.models.mail import MailMessage
from hookdesk.models.teammates import Teammate
from hookdesk.shared.ids import new_id

CREATED = "whitelabel.ticket.created"
UPDATED = "whitelabel.ticket.updated"
ASSIGNED = "whitelabel.ticket.assigned"
RESOLVED = "whitelabel.ticket.resolved"

# Built once, and run by the driver (`db/direct.py`): rows queued with every ticket change.
_INSERT = insert(MailMessage)


@dataclass(frozen=True)
class Recipient:
    id: str
    name: str
    address: str


def queue(
    session: direct.Unit,
    *,
    account_id: str,
    event_type: str,
    data: dict[str, Any],
    actor_id: str | None = None,
    settings: mail_settings.Notifying | None = None,
) -> int:
    """Queue the notifications of one ticket event; the number queued. `actor_id`: the teammate
    whose own action it was, never told of it; `settings`: the account's, when the change read
    them already (a create reads them with its client)."""
    if event_type not in {CREATED, UPDATED, ASSIGNED, RESOLVED}:
        return 0
    if settings is None:
        settings = mail_settings.notifying(session, account_id=account_id)
    ticket, reply = data["ticket"], data.get("reply")
    planned = [
        plan
        for plan in _planned(session, account_id, settings, event_type, ticket, reply)
        if plan[1].id != actor_id
    ]
    if not planned:
        return 0
    # The thread, hence the Reply-To token, exists from the first notification on: a reply to a
    # message seen in the letter opener, never sent, still finds its ticket.
    threads.ensure(session, account_id=account_id, ticket_id=ticket["id"], domain=_domain(settings))
    at = time.time()
    rows = [
        {
            "id": new_id(),
            "account_id": account_id,
            "direction": Direction.OUTBOUND,
            "kind": kind,
            "status": Status.PENDING,
            "ticket_id": ticket["id"],
            "reply_id": reply_id,
            "recipient_id": recipient.id,
            "to_address": recipient.address,
            "to_name": recipient.name,
            "attempt_count": 0,
            "next_attempt_at": at,
            "created_at": int(at),
            "updated_at": int(at),
        }
        for kind, recipient, reply_id in planned
    ]
    direct.execute_many(session, _INSERT, rows)
    request_wakeup(session, _wake(settings))
    return len(rows)


Planned = tuple[Kind, Recipient, str | None]


def _planned(
    session: direct.Unit,
    account_id: str,
    settings: mail_settings.Notifying,
    event_type: str,
    ticket: dict[str, Any],
    reply: dict[str, Any] | None,
) -> Iterator[Planned]:
    client = Recipient(ticket["client"]["id"], ticket["client"]["name"], ticket["client"]["email"])
    replies = ticket["replies"]
    if event_type == CREATED:
        if settings.clients:
            shown = replies[1]["id"] if len(replies) > 1 else None  # the automated reply
            yield Kind.TICKET_OPENED, client, shown
        if settings.teammates:
            for teammate in _teammates(session, account_id, ticket["teammate_id"]):
                yield Kind.NEW_TICKET, teammate, replies[0]["id"]
    elif event_type == UPDATED and reply is not None:
        if not reply["is_client_reply"] and settings.clients:
            yield Kind.AGENT_REPLIED, client, reply["id"]
        if reply["is_client_reply"] and settings.teammates:
            for teammate in _teammates(session, account_id, ticket["teammate_id"]):
                yield Kind.CLIENT_REPLIED, teammate, reply["id"]
    elif event_type == ASSIGNED and ticket["teammate_id"] and settings.teammates:
        for teammate in _teammates(session, account_id, ticket["teammate_id"]):
            yield Kind.TICKET_ASSIGNED, teammate, None
    elif event_type == RESOLVED and settings.clients:
        yield Kind.TICKET_RESOLVED, client, None


def _wake(settings: mail_settings.Notifying) -> Wake:
    """Whom the mail queued wakes: without a server of the account's own, only a dispatcher
    given the server's default sends it (with neither, the row waits for the letter opener)."""
    return Wake.OWN_SERVER_MAIL if settings.own_server else Wake.DEFAULT_SERVER_MAIL


def _domain(settings: mail_settings.Notifying) -> str:
    address = settings.reply_to_address or settings.from_address or "localhost"
    return address.rpartition("@")[2]


# Built once: every ticket change that notifies teammates runs one of them.
_ACTIVE_TEAMMATES = select(Teammate.id, Teammate.name, Teammate.email).where(
    Teammate.account_id == bindparam("account_id"),
    Teammate.disabled_at.is_(None),
    Teammate.deleted_at.is_(None),
)
_ASSIGNEE = _ACTIVE_TEAMMATES.where(Teammate.id == bindparam("assignee"))


def _teammates(session: direct.Unit, account_id: str, assignee: str | None) -> Iterator[Recipient]:
    """The assignee, or every active teammate of the account when the ticket has none."""
    if assignee is None:
        found = direct.execute(session, _ACTIVE_TEAMMATES, {"account_id": account_id})
    else:
        found = direct.execute(session, _ASSIGNEE, {"account_id": account_id, "assignee": assignee})
    for teammate_id, name, email in found:
        yield Recipient(teammate_id, name, email)


PORTAL_LINKS_PER_WINDOW = 3
PORTAL_LINK_WINDOW = 15 * 60  # seconds


def queue_portal_link(session: Session, *, account_id: str, email: str) -> bool:
    """Queue a portal link for the account's client with this address, at most a few per quarter
    of an hour; whether one was queued (never shown to the one who asked)."""
    client = session.scalars(
        select(Client)
        .where(Client.account_id == account_id, func.lower(Client.email) == email.strip().lower())
        .limit(1)
    ).first()
    if client is None:
        return False
    at = time.time()
    recent = session.scalar(
        select(func.count()).where(
            MailMessage.account_id == account_id,
            MailMessage.kind == Kind.PORTAL_LINK,
            MailMessage.recipient_id == client.id,
            MailMessage.created_at > at - PORTAL_LINK_WINDOW,
        )
    )
    if (recent or 0) >= PORTAL_LINKS_PER_WINDOW:
        return False
    session.add(
        MailMessage(
            id=new_id(),
            account_id=account_id,
            direction=Direction.OUTBOUND,
            kind=Kind.PORTAL_LINK,
            status=Status.PENDING,
            recipient_id=client.id,
            to_address=client.email,
            to_name=client.name,
            attempt_count=0,
            next_attempt_at=at,
            created_at=int(at),
            updated_at=int(at),
        )
    )
    request_wakeup(session, _wake(mail_settings.notifying(session, account_id=account_id)))
    return True

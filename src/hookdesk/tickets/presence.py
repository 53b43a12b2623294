"""Who else has a ticket open in the console, and whether they are writing a reply.

A ticket page says it is still open at every live update (every 3 seconds), which keeps its
teammate's row fresh; a row not written for `SECONDS` counts for nothing, so a closed page stops
counting by itself. Kept in the database, so it holds across server processes. The row is
written again only once it is `REFRESH` old or the page starts or stops replying: most updates
only read.
"""

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from hookdesk.db.dialects import on_postgresql
from hookdesk.errors import NotFound
from hookdesk.models.tickets import Ticket, TicketPresence
from hookdesk.shared.queries import find_owned

# Pages ask every 3 seconds: a few missed answers (a slow server) do not make a viewer vanish.
SECONDS = 15.0
# Written again after this long: well within SECONDS, with a poll or two to spare.
REFRESH = 7.5
# Rows this old are removed whenever the ticket's presence is written.
FORGOTTEN_AFTER = 3600.0


@dataclass(frozen=True)
class Here:
    teammate_id: str
    replying: bool


def seen(
    session: Session,
    *,
    account_id: str,
    ticket_id: str,
    teammate_id: str,
    replying: bool,
    now: float,
) -> None:
    """The teammate has the ticket's page open (and is writing a reply, or not)."""
    if find_owned(session, Ticket, account_id=account_id, object_id=ticket_id) is None:
        raise NotFound.of("ticket", ticket_id)
    insert = pg_insert if on_postgresql(session) else sqlite_insert
    session.execute(
        insert(TicketPresence)
        .values(
            ticket_id=ticket_id,
            teammate_id=teammate_id,
            account_id=account_id,
            replying=replying,
            seen_at=now,
        )
        .on_conflict_do_update(
            index_elements=[TicketPresence.ticket_id, TicketPresence.teammate_id],
            set_={"replying": replying, "seen_at": now},
        )
    )
    session.execute(
        delete(TicketPresence).where(
            TicketPresence.ticket_id == ticket_id,
            TicketPresence.seen_at < now - FORGOTTEN_AFTER,
        )
    )


def stale(
    session: Session,
    *,
    account_id: str,
    ticket_id: str,
    teammate_id: str,
    replying: bool,
    now: float,
) -> bool:
    """Whether the teammate's row needs writing (`seen`): missing, old, or saying otherwise."""
    row = session.execute(
        select(TicketPresence.replying, TicketPresence.seen_at).where(
            TicketPresence.account_id == account_id,
            TicketPresence.ticket_id == ticket_id,
            TicketPresence.teammate_id == teammate_id,
        )
    ).first()
    return row is None or row.replying != replying or row.seen_at < now - REFRESH


def others(
    session: Session, *, account_id: str, ticket_id: str, teammate_id: str, now: float
) -> list[Here]:
    """The other teammates with the ticket open now, in a stable order."""
    statement = (
        select(TicketPresence.teammate_id, TicketPresence.replying)
        .where(
            TicketPresence.account_id == account_id,
            TicketPresence.ticket_id == ticket_id,
            TicketPresence.teammate_id != teammate_id,
            TicketPresence.seen_at >= now - SECONDS,
        )
        .order_by(TicketPresence.teammate_id)
    )
    return [Here(row.teammate_id, row.replying) for row in session.execute(statement)]

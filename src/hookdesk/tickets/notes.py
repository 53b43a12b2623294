"""Internal notes: the agency's teammates write them on a ticket for one another.

A note is no activity of the ticket (its `updated_at` stays), emits no event and queues no mail:
nothing a client sees or an endpoint receives holds one.
"""

import time
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from hookdesk.errors import NotFound
from hookdesk.models.tickets import Ticket, TicketNote
from hookdesk.shared.ids import new_id
from hookdesk.shared.paging import Page
from hookdesk.shared.queries import active_teammate_id, find_owned, paginate
from hookdesk.tickets.schemas import NoteCreate


def create(session: Session, *, account_id: str, ticket_id: str, data: NoteCreate) -> TicketNote:
    # Key-share locks, as for a reply: an erasure of the client or a deletion of the teammate
    # either ran before (the row is unknown) or waits for this note.
    ticket = find_owned(session, Ticket, account_id=account_id, object_id=ticket_id, key_share=True)
    if ticket is None:
        raise NotFound.of("ticket", ticket_id)
    moment = time.time()
    note = TicketNote(
        id=new_id(),
        account_id=account_id,
        ticket_id=ticket.id,
        text=data.text,
        teammate_id=active_teammate_id(session, account_id, data.teammate_id),
        created_at=int(moment),
        created_us=int(moment * 1_000_000),
    )
    session.add(note)
    session.flush()
    return note


def list_page(
    session: Session, *, account_id: str, ticket_id: str, page: Page
) -> tuple[int, Sequence[TicketNote]]:
    """The ticket's notes, newest first."""
    ticket = find_owned(session, Ticket, account_id=account_id, object_id=ticket_id)
    if ticket is None:
        raise NotFound.of("ticket", ticket_id)
    statement = (
        select(TicketNote)
        .where(TicketNote.account_id == account_id, TicketNote.ticket_id == ticket.id)
        .order_by(TicketNote.created_us.desc(), TicketNote.id.desc())
    )
    return paginate(session, statement, page)

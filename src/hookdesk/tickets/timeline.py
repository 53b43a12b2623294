"""What the console shows of a ticket, in order: the replies, the internal notes and the
ticket's activity (who opened, assigned, resolved or reopened it, and the emails sent:
`activity.py`).

For the agency's teammates only: the portal, emails, events and the API's ticket object are built
elsewhere (`views.py`, `portal.py`) and hold none of the notes or the activity.
"""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hookdesk.models.tickets import TicketNote
from hookdesk.tickets.activity import Activity, Kind, of_ticket
from hookdesk.webhooks.payloads import ReplyView, TicketView

# Within one second (replies have whole seconds only): the opening first, then replies, notes and
# what followed them (a reply that reopened the ticket, then its "reopened").
_RANK = {Kind.OPENED.value: 0, "reply": 1, "note": 2}


@dataclass(frozen=True)
class Note:
    id: str
    text: str
    teammate_id: str | None
    created_at: int


@dataclass(frozen=True)
class Entry:
    """One line of the conversation: `kind` is reply, note, or an activity's kind."""

    kind: str
    at: int
    reply: ReplyView | None = None
    note: Note | None = None
    activity: Activity | None = None

    @property
    def order(self) -> tuple[int, int]:
        return self.at, _RANK.get(self.kind, 3)


def entries(session: Session, *, account_id: str, ticket: TicketView) -> list[Entry]:
    lines = [Entry("reply", reply.created_at, reply=reply) for reply in ticket.replies]
    written = notes(session, account_id, ticket.id)
    lines += [Entry("note", note.created_at, note=note) for note in written]
    happened = of_ticket(session, account_id=account_id, ticket_id=ticket.id)
    lines += [Entry(a.kind.value, a.created_at, activity=a) for a in happened]
    # Sorting is stable: replies keep their positions, notes their order of writing.
    return sorted(lines, key=lambda entry: entry.order)


def notes(session: Session, account_id: str, ticket_id: str) -> list[Note]:
    statement = (
        select(TicketNote)
        .where(TicketNote.account_id == account_id, TicketNote.ticket_id == ticket_id)
        .order_by(TicketNote.created_us, TicketNote.id)
    )
    return [
        Note(id=n.id, text=n.text, teammate_id=n.teammate_id, created_at=n.created_at)
        for n in session.scalars(statement)
    ]

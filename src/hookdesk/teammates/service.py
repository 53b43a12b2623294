from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy import update as update_rows
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hookdesk.access import sessions
from hookdesk.errors import Conflict, NotFound
from hookdesk.models.categories import TicketCategory
from hookdesk.models.teammates import Teammate
from hookdesk.models.tickets import Ticket
from hookdesk.shared.clock import now
from hookdesk.shared.ids import new_id
from hookdesk.shared.paging import Page
from hookdesk.shared.queries import find_owned, paginate
from hookdesk.teammates.schemas import TeammateCreate, TeammateUpdate
from hookdesk.tickets import service as tickets


def create(session: Session, *, account_id: str, data: TeammateCreate) -> Teammate:
    """A new teammate; the email of another (not deleted), whatever its case, is a conflict."""
    duplicate = select(Teammate.id).where(
        Teammate.account_id == account_id,
        func.lower(Teammate.email) == data.email.lower(),
        Teammate.deleted_at.is_(None),
    )
    conflict = Conflict(f"A teammate with email '{data.email}' already exists.")
    if session.scalar(duplicate) is not None:
        raise conflict
    teammate = Teammate(
        id=new_id(),
        account_id=account_id,
        name=data.name,
        email=data.email,
        role=data.role.value,
        created_at=now(),
    )
    session.add(teammate)
    try:
        session.flush()
    except IntegrityError:  # the same email created meanwhile (the unique index said so)
        raise conflict from None
    return teammate


def get(session: Session, *, account_id: str, teammate_id: str) -> Teammate:
    """The teammate, locked for a change; a deleted one is unknown."""
    teammate = find_owned(
        session, Teammate, account_id=account_id, object_id=teammate_id, for_update=True
    )
    if teammate is None or teammate.deleted_at is not None:
        raise NotFound.of("teammate", teammate_id)
    return teammate


def update(
    session: Session, *, account_id: str, teammate_id: str, data: TeammateUpdate
) -> Teammate:
    """Change the fields given; disabling ends the teammate's web sessions at once."""
    teammate = get(session, account_id=account_id, teammate_id=teammate_id)
    if data.name is not None:
        teammate.name = data.name
    if data.role is not None:
        teammate.role = data.role.value
    if data.disabled is True and teammate.disabled_at is None:
        teammate.disabled_at = now()
        _end_sessions(session, teammate)
    elif data.disabled is False:
        teammate.disabled_at = None
    session.flush()
    return teammate


def delete(session: Session, *, account_id: str, teammate_id: str, public_url: str) -> Teammate:
    """The teammate can no longer sign in and is assigned nothing: each of their tickets is
    unassigned with its `assigned` event, and categories stop giving them new tickets. The row
    stays, so that their past replies keep their name."""
    teammate = get(session, account_id=account_id, teammate_id=teammate_id)
    teammate.deleted_at = now()
    _end_sessions(session, teammate)
    session.execute(
        update_rows(TicketCategory)
        .where(TicketCategory.account_id == account_id, TicketCategory.teammate_id == teammate.id)
        .values(teammate_id=None)
    )
    assigned = select(Ticket.id).where(
        Ticket.account_id == account_id, Ticket.teammate_id == teammate.id
    )
    scope = tickets.TicketScope(account_id=account_id, public_url=public_url)
    for ticket_id in session.scalars(assigned.order_by(Ticket.created_us, Ticket.id)).all():
        tickets.assign(session, scope, ticket_id, None)
    session.flush()
    return teammate


def list_page(session: Session, *, account_id: str, page: Page) -> tuple[int, Sequence[Teammate]]:
    statement = (
        select(Teammate)
        .where(Teammate.account_id == account_id, Teammate.deleted_at.is_(None))
        .order_by(Teammate.created_at.desc(), Teammate.id)
    )
    return paginate(session, statement, page)


def names(session: Session, *, account_id: str) -> dict[str, str]:
    """Every teammate's name by id, deleted ones included: for pages that show who wrote or who
    was assigned."""
    statement = select(Teammate.id, Teammate.name).where(Teammate.account_id == account_id)
    return {row.id: row.name for row in session.execute(statement.order_by(Teammate.name))}


def assignable(session: Session, *, account_id: str) -> dict[str, str]:
    """The names of the teammates a ticket may be assigned to (not deleted), by id."""
    statement = select(Teammate.id, Teammate.name).where(
        Teammate.account_id == account_id, Teammate.deleted_at.is_(None)
    )
    return {row.id: row.name for row in session.execute(statement.order_by(Teammate.name))}


def _end_sessions(session: Session, teammate: Teammate) -> None:
    sessions.end_all(
        session, sessions.Kind.AGENT, account_id=teammate.account_id, subject_id=teammate.id
    )

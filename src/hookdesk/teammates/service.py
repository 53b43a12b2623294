from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from hookdesk.errors import Conflict
from hookdesk.shared.clock import now
from hookdesk.shared.ids import new_id
from hookdesk.shared.paging import Page
from hookdesk.shared.queries import paginate
from hookdesk.teammates.models import Teammate
from hookdesk.teammates.schemas import TeammateCreate


def create(session: Session, *, account_id: str, data: TeammateCreate) -> Teammate:
    duplicate = select(Teammate.id).where(
        Teammate.account_id == account_id, Teammate.email == data.email
    )
    if session.scalar(duplicate) is not None:
        raise Conflict(f"A teammate with email '{data.email}' already exists.")
    teammate = Teammate(
        id=new_id(), account_id=account_id, name=data.name, email=data.email, created_at=now()
    )
    session.add(teammate)
    session.flush()
    return teammate


def list_page(session: Session, *, account_id: str, page: Page) -> tuple[int, Sequence[Teammate]]:
    statement = (
        select(Teammate)
        .where(Teammate.account_id == account_id)
        .order_by(Teammate.created_at.desc(), Teammate.id)
    )
    return paginate(session, statement, page)


def names(session: Session, *, account_id: str) -> dict[str, str]:
    """Every teammate's name by id: for pages that show who is assigned or who wrote."""
    statement = select(Teammate.id, Teammate.name).where(Teammate.account_id == account_id)
    return {row.id: row.name for row in session.execute(statement.order_by(Teammate.name))}

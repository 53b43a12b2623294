from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hookdesk.clients.schemas import ClientCreate
from hookdesk.errors import Conflict
from hookdesk.models.clients import Client
from hookdesk.shared.clock import now
from hookdesk.shared.ids import new_id
from hookdesk.shared.paging import Page
from hookdesk.shared.queries import get_owned, paginate


def create(session: Session, *, account_id: str, data: ClientCreate) -> Client:
    """A new client; an email of another client, whatever its case, is a conflict."""
    duplicate = select(Client.id).where(
        Client.account_id == account_id, func.lower(Client.email) == data.email.lower()
    )
    conflict = Conflict(f"A client with email '{data.email}' already exists.")
    if session.scalar(duplicate) is not None:
        raise conflict
    client = Client(
        id=new_id(), account_id=account_id, name=data.name, email=data.email, created_at=now()
    )
    session.add(client)
    try:
        session.flush()
    except IntegrityError:  # the same email created meanwhile (the unique index said so)
        raise conflict from None
    return client


def get(session: Session, *, account_id: str, client_id: str) -> Client:
    return get_owned(session, Client, account_id=account_id, object_id=client_id, noun="client")


def list_page(
    session: Session, *, account_id: str, page: Page, text: str | None = None
) -> tuple[int, Sequence[Client]]:
    """Newest first; with `text`, the clients whose name or email holds it, in any case."""
    statement = select(Client).where(Client.account_id == account_id)
    if text:
        wanted = text.lower()
        statement = statement.where(
            func.lower(Client.name).contains(wanted, autoescape=True)
            | func.lower(Client.email).contains(wanted, autoescape=True)
        )
    return paginate(session, statement.order_by(Client.created_at.desc(), Client.id), page)

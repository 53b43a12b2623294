import time
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from hookdesk.errors import BadRequest, ErrorCode, NotFound
from hookdesk.models.clients import Client
from hookdesk.models.saved_replies import SavedReply
from hookdesk.models.teammates import Teammate
from hookdesk.models.tickets import Ticket
from hookdesk.saved_replies import placeholders
from hookdesk.saved_replies.schemas import SavedReplyCreate, SavedReplyUpdate
from hookdesk.shared.ids import new_id
from hookdesk.shared.paging import Page
from hookdesk.shared.queries import find_owned, get_owned, paginate


def create(session: Session, *, account_id: str, data: SavedReplyCreate) -> SavedReply:
    _check_placeholders(data.text)
    moment = time.time()
    saved = SavedReply(
        id=new_id(),
        account_id=account_id,
        title=data.title,
        text=data.text,
        created_at=int(moment),
        created_us=int(moment * 1_000_000),
    )
    session.add(saved)
    session.flush()
    return saved


def update(
    session: Session, *, account_id: str, saved_reply_id: str, data: SavedReplyUpdate
) -> SavedReply:
    saved = get(session, account_id=account_id, saved_reply_id=saved_reply_id)
    if data.text is not None:
        _check_placeholders(data.text)
        saved.text = data.text
    if data.title is not None:
        saved.title = data.title
    session.flush()
    return saved


def delete(session: Session, *, account_id: str, saved_reply_id: str) -> SavedReply:
    """Remove it for good; the answer shows what it was."""
    saved = get(session, account_id=account_id, saved_reply_id=saved_reply_id)
    session.delete(saved)
    session.flush()
    return saved


def get(session: Session, *, account_id: str, saved_reply_id: str) -> SavedReply:
    return get_owned(
        session, SavedReply, account_id=account_id, object_id=saved_reply_id, noun="saved reply"
    )


def list_page(session: Session, *, account_id: str, page: Page) -> tuple[int, Sequence[SavedReply]]:
    """Newest first."""
    statement = (
        select(SavedReply)
        .where(SavedReply.account_id == account_id)
        .order_by(SavedReply.created_us.desc(), SavedReply.id.desc())
    )
    return paginate(session, statement, page)


def filled(
    session: Session, *, account_id: str, saved_reply_id: str, ticket_id: str, teammate_id: str
) -> str:
    """The saved reply's text with its placeholders filled for this ticket and teammate (the
    one who will send it), ready to be sent as a reply."""
    saved = get(session, account_id=account_id, saved_reply_id=saved_reply_id)
    ticket = get_owned(session, Ticket, account_id=account_id, object_id=ticket_id, noun="ticket")
    client = session.get_one(Client, ticket.client_id)
    teammate = find_owned(session, Teammate, account_id=account_id, object_id=teammate_id)
    if teammate is None:
        raise NotFound.of("teammate", teammate_id)
    values = {
        "client.name": client.name,
        "ticket.title": ticket.title,
        "teammate.name": teammate.name,
    }
    return placeholders.fill(saved.text, values)


def _check_placeholders(text: str) -> None:
    unknown = placeholders.unknown(text)
    if unknown:
        raise BadRequest(
            f"unknown placeholder {', '.join(unknown)}; the placeholders are "
            f"{placeholders.known_list()}.",
            field="text",
            code=ErrorCode.UNKNOWN_PLACEHOLDER,
        )

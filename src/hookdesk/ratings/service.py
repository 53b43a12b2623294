"""Rating a resolved ticket, and what the console reads of the ratings.

A ticket is reopened only by a reply, so the position of its last reply names the resolution
that followed: a client rates each resolution once, and a ticket reopened and resolved again can
be rated again. A rating is no change of the ticket: no event, no notification."""

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hookdesk.errors import BadRequest, Conflict, NotFound
from hookdesk.models.ratings import TicketRating
from hookdesk.models.tickets import Reply, Ticket
from hookdesk.ratings.schemas import RatingCreate, RatingView, Share, rating_view
from hookdesk.shared.clock import now
from hookdesk.shared.ids import new_id
from hookdesk.shared.paging import Page
from hookdesk.shared.queries import find_owned, paginate


def rate(
    session: Session, *, account_id: str, client_id: str, ticket_id: str, data: RatingCreate
) -> TicketRating:
    """The client's rating of their resolved ticket's latest resolution."""
    # Locked: two posts of the same rating wait for each other, and the second finds the first.
    ticket = find_owned(
        session, Ticket, account_id=account_id, object_id=ticket_id, for_update=True
    )
    if ticket is None or ticket.client_id != client_id:
        raise NotFound.of("ticket", ticket_id)
    if ticket.is_open:
        raise BadRequest("Only a resolved ticket can be rated.")
    after = _last_reply(session, ticket.id)
    if _of_resolution(session, ticket.id, after) is not None:
        raise Conflict("This resolution of the ticket is rated already.")
    rating = TicketRating(
        id=new_id(),
        account_id=account_id,
        ticket_id=ticket.id,
        after_reply=after,
        good=data.good,
        comment=data.comment or None,
        created_at=now(),
    )
    session.add(rating)
    session.flush()
    return rating


def current(session: Session, *, account_id: str, ticket_id: str) -> RatingView | None:
    """The rating of the ticket's latest resolution, if it was given."""
    ticket = find_owned(session, Ticket, account_id=account_id, object_id=ticket_id)
    if ticket is None:
        return None
    found = _of_resolution(session, ticket.id, _last_reply(session, ticket.id))
    return rating_view(found) if found else None


def latest(session: Session, *, account_id: str, ticket_id: str) -> RatingView | None:
    """The ticket's most recent rating, of whichever resolution."""
    statement = (
        select(TicketRating)
        .where(TicketRating.account_id == account_id, TicketRating.ticket_id == ticket_id)
        .order_by(TicketRating.after_reply.desc())
        .limit(1)
    )
    found = session.scalar(statement)
    return rating_view(found) if found else None


def share(session: Session, *, account_id: str, days: int) -> Share:
    """The ratings given over the last `days` days, and how many were good."""
    statement = select(func.count(), func.count().filter(TicketRating.good.is_(True))).where(
        TicketRating.account_id == account_id, TicketRating.created_at > now() - days * 86_400
    )
    total, good = session.execute(statement).one()
    return Share(good=good, total=total)


def recent_shares(session: Session, *, account_id: str) -> dict[int, Share]:
    """The share of good ratings over the last 7 and 30 days, as the console shows them."""
    return {days: share(session, account_id=account_id, days=days) for days in (7, 30)}


def list_page(
    session: Session,
    *,
    account_id: str,
    page: Page,
    ticket_id: str | None = None,
    since: int | None = None,
    until: int | None = None,
) -> tuple[int, Sequence[TicketRating]]:
    """The account's ratings, newest first."""
    statement = select(TicketRating).where(TicketRating.account_id == account_id)
    if ticket_id is not None:
        statement = statement.where(TicketRating.ticket_id == ticket_id)
    if since is not None:
        statement = statement.where(TicketRating.created_at >= since)
    if until is not None:
        statement = statement.where(TicketRating.created_at <= until)
    ordered = statement.order_by(TicketRating.created_at.desc(), TicketRating.id)
    return paginate(session, ordered, page)


def _last_reply(session: Session, ticket_id: str) -> int:
    last = session.scalar(select(func.max(Reply.position)).where(Reply.ticket_id == ticket_id))
    return last or 0


def _of_resolution(session: Session, ticket_id: str, after: int) -> TicketRating | None:
    statement = select(TicketRating).where(
        TicketRating.ticket_id == ticket_id, TicketRating.after_reply == after
    )
    return session.scalar(statement)

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hookdesk.db.base import Base, Owned, unix_time


class TicketRating(Owned, Base):
    """A client's rating of a resolved ticket: good or bad, with an optional comment. Never part
    of the events' payloads."""

    __tablename__ = "ticket_ratings"
    __table_args__ = (
        # One rating per resolution: a ticket is reopened only by a reply, so its last reply's
        # position names the resolution that followed it.
        UniqueConstraint("ticket_id", "after_reply"),
        Index("ix_ticket_ratings_account_created", "account_id", "created_at"),
    )

    ticket_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    after_reply: Mapped[int] = mapped_column(Integer)
    good: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[int] = unix_time()

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hookdesk.db.base import Base, Owned, unix_time


class Ticket(Owned, Base):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_account_created", "account_id", "created_at"),
        Index("ix_tickets_account_created_us", "account_id", "created_us"),
        Index("ix_tickets_account_client", "account_id", "client_id"),
        Index("ix_tickets_account_teammate", "account_id", "teammate_id"),
    )

    client_id: Mapped[str] = mapped_column(String(36), ForeignKey("clients.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    is_open: Mapped[bool] = mapped_column(Boolean)
    category_id: Mapped[str] = mapped_column(String(36), ForeignKey("ticket_categories.id"))
    subcategory: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(2))
    teammate_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("teammates.id", ondelete="SET NULL")
    )
    # Who closed it last: the client (from the portal) or an agent. Not part of the payload.
    resolved_by_client: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[int] = unix_time()
    updated_at: Mapped[int] = unix_time()
    # Microseconds: orders tickets created within the same second (created_at is whole seconds).
    created_us: Mapped[int] = mapped_column(BigInteger)


class Reply(Owned, Base):
    __tablename__ = "replies"
    __table_args__ = (UniqueConstraint("ticket_id", "position"),)

    ticket_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    # 0 for the description, then one more per reply: the conversation's order.
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    is_client_reply: Mapped[bool] = mapped_column(Boolean)
    # The agent who wrote it in the console; None for the client's and the API's replies.
    author_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("teammates.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[int] = unix_time()

    # Declared so that a flush inserts a new ticket before its replies; never loaded lazily.
    ticket: Mapped[Ticket] = relationship(lazy="raise")

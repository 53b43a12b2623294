from sqlalchemy import JSON, BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hookdesk.db.base import Base, Owned, unix_time


class TicketCategory(Owned, Base):
    __tablename__ = "ticket_categories"

    title: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(2))
    auto_reply: Mapped[str | None] = mapped_column(Text)
    teammate_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("teammates.id", ondelete="SET NULL")
    )
    subcategories: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[int] = unix_time()
    # Deleted categories stay for the tickets filed under them, which keep showing their title.
    deleted_at: Mapped[int | None] = mapped_column(BigInteger)

from sqlalchemy import BigInteger, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hookdesk.db.base import Base, Owned, unix_time


class SavedReply(Owned, Base):
    """A reply text agents reuse; it may hold placeholders filled for a ticket (see
    `saved_replies/placeholders.py`)."""

    __tablename__ = "saved_replies"
    __table_args__ = (Index("ix_saved_replies_account_created_us", "account_id", "created_us"),)

    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[int] = unix_time()
    # Microseconds: orders saved replies made within the same second.
    created_us: Mapped[int] = mapped_column(BigInteger)

from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hookdesk.db.base import AutoIncrementId, Base


class Event(Base):
    """One change, in the order changes were committed (the outbox): a ticket's, or an
    operational event about the account's webhooks (then `ticket_id` is None).

    `data` is the rendered `data` object as JSON text, kept verbatim so every delivery of the event
    carries the same bytes.
    """

    __tablename__ = "events"
    # SQLite would hand out the id of a deleted newest row again; ids must only grow (see 0006).
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(AutoIncrementId, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    event_type: Mapped[str] = mapped_column(String(64))
    ticket_id: Mapped[str | None] = mapped_column(String(36), index=True)
    data: Mapped[str] = mapped_column(Text)
    created_at: Mapped[int] = mapped_column(BigInteger, index=True)  # retention purges by age

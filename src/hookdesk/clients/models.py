from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hookdesk.db.base import AutoIncrementId, Base, Owned, unix_time


class Client(Owned, Base):
    __tablename__ = "clients"
    __table_args__ = (UniqueConstraint("account_id", "email"),)

    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[int] = unix_time()


class ClientErasure(Base):
    """That a client's data was erased, and how much of it: no name, email or text of theirs."""

    __tablename__ = "client_erasures"

    id: Mapped[int] = mapped_column(AutoIncrementId, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    client_id: Mapped[str] = mapped_column(String(36))
    erased_at: Mapped[int] = unix_time()
    tickets: Mapped[int] = mapped_column(Integer)
    replies: Mapped[int] = mapped_column(Integer)
    assets: Mapped[int] = mapped_column(Integer)
    events: Mapped[int] = mapped_column(Integer)
    deliveries: Mapped[int] = mapped_column(Integer)

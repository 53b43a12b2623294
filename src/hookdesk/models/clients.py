from sqlalchemy import ForeignKey, Index, Integer, String, func, text
from sqlalchemy.orm import Mapped, mapped_column

from hookdesk.db.base import AutoIncrementId, Base, Owned, unix_time


class Client(Owned, Base):
    __tablename__ = "clients"
    # One client per email in an account, whatever its case (as sign-in and inbound mail match).
    __table_args__ = (
        Index("uq_clients_account_email", "account_id", func.lower(text("email")), unique=True),
    )

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
    notes: Mapped[int] = mapped_column(Integer, server_default="0")

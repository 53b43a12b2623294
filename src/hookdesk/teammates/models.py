from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hookdesk.db.base import Base, Owned, unix_time


class Teammate(Owned, Base):
    __tablename__ = "teammates"
    __table_args__ = (UniqueConstraint("account_id", "email"),)

    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[int] = unix_time()
    # argon2; None until the teammate accepts an invite to the web console
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)

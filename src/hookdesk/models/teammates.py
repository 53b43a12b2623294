from sqlalchemy import BigInteger, Index, String, func, text
from sqlalchemy.orm import Mapped, mapped_column

from hookdesk.db.base import Base, Owned, unix_time


class Teammate(Owned, Base):
    __tablename__ = "teammates"
    # One teammate per email in an account, whatever its case (as sign-in matches); a deleted
    # teammate's email is free again.
    __table_args__ = (
        Index(
            "uq_teammates_account_email",
            "account_id",
            func.lower(text("email")),
            unique=True,
            sqlite_where=text("deleted_at IS NULL"),
            postgresql_where=text("deleted_at IS NULL"),
        ),
    )

    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[int] = unix_time()
    # argon2; None until the teammate accepts an invite to the web console
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    role: Mapped[str] = mapped_column(String(16))  # a teammates.schemas.Role
    disabled_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # Deleted teammates stay as rows, so that their past replies keep their name.
    deleted_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)

    @property
    def may_sign_in(self) -> bool:
        return self.disabled_at is None and self.deleted_at is None

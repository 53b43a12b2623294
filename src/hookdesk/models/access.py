from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from hookdesk.db.base import AutoIncrementId, Base, unix_time


class OneTimeLink(Base):
    """A teammate's invite or a client's portal link. Only a hash of the link's token is kept."""

    __tablename__ = "one_time_links"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(16))  # "invite" | "portal"
    subject_id: Mapped[str] = mapped_column(String(36), index=True)  # a teammate or a client
    created_at: Mapped[int] = unix_time()
    expires_at: Mapped[int] = unix_time()
    used_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class WebSession(Base):
    """A signed-in agent or an entered client; the cookie holds the token, the row its hash."""

    __tablename__ = "web_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # "agent" | "client"
    subject_id: Mapped[str] = mapped_column(String(36), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[int] = unix_time()
    expires_at: Mapped[int] = unix_time()


class SignInFailure(Base):
    """A failed sign-in, kept for throttling: counted per email over a recent window."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (Index("ix_sign_in_failures_email_at", "email", "at"),)

    id: Mapped[int] = mapped_column(AutoIncrementId, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(320))
    at: Mapped[int] = unix_time()

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from hookdesk.db.base import Base, unix_time


class MailSettings(Base):
    """An account's own mail servers and senders; without a row, the server's defaults apply.
    URLs are kept without their password, which is sealed apart (like endpoint secrets)."""

    __tablename__ = "mail_settings"

    account_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    smtp_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    smtp_password: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    from_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    from_address: Mapped[str | None] = mapped_column(String(320), nullable=True)
    reply_to_address: Mapped[str | None] = mapped_column(String(320), nullable=True)
    imap_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    imap_password: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    notify_clients: Mapped[bool] = mapped_column(Boolean, default=True)
    notify_teammates: Mapped[bool] = mapped_column(Boolean, default=True)
    unknown_senders: Mapped[str] = mapped_column(String(10), default="create")
    updated_at: Mapped[int] = unix_time()

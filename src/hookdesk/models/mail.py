from sqlalchemy import (
    Boolean,
    Double,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from hookdesk.db.base import AutoIncrementId, Base, unix_time


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


class MailMessage(Base):
    """One email: a notification to send (`outbound`), or one received (`inbound`).

    An outbound row is queued in the transaction of the ticket change that causes it and rendered
    when sent, so it names what to say (`kind`, `ticket_id`, `reply_id`) and to whom. An inbound row
    records what became of a received message; its `message_id` is unique in the account, which is
    what applies a message at most once. An outbound row is sent by the dispatchers like a webhook
    delivery: claimed under a lease, attempted, retried on the schedule."""

    __tablename__ = "mail_messages"
    __table_args__ = (
        UniqueConstraint("account_id", "direction", "message_id"),
        Index("ix_mail_messages_account_created", "account_id", "created_at"),
        Index("ix_mail_messages_ticket", "ticket_id"),
        Index(
            "ix_mail_messages_due",
            "next_attempt_at",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("accounts.id", ondelete="CASCADE")
    )
    direction: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(10))
    # Erasing a client removes the mail of their tickets, which holds their address and words.
    ticket_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("tickets.id", ondelete="CASCADE"), nullable=True
    )
    reply_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    recipient_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    to_address: Mapped[str] = mapped_column(String(320))
    to_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    from_address: Mapped[str | None] = mapped_column(String(320), nullable=True)
    subject: Mapped[str | None] = mapped_column(Text, nullable=True)
    message_id: Mapped[str | None] = mapped_column(String(998), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    attempt_count: Mapped[int] = mapped_column(Integer, default=0)
    # While a dispatcher sends it, the end of its lease, and the lease (webhooks/dispatch/lease.py).
    next_attempt_at: Mapped[float | None] = mapped_column(Double, nullable=True)
    lease_token: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[int] = unix_time()
    updated_at: Mapped[int] = unix_time()


class MailAttempt(Base):
    """One try at handing an outbound message to the SMTP server, and its answer."""

    __tablename__ = "mail_attempts"

    id: Mapped[int] = mapped_column(AutoIncrementId, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("accounts.id", ondelete="CASCADE")
    )
    mail_message_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("mail_messages.id", ondelete="CASCADE"), index=True
    )
    attempted_at: Mapped[float] = mapped_column(Double)
    duration_ms: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))  # sent | retrying | failed
    response: Mapped[str | None] = mapped_column(Text, nullable=True)  # the server's answer


class MailThread(Base):
    """How a ticket's mail is told apart: the token in `Reply-To` addresses and the Message-ID
    every message of the ticket refers to."""

    __tablename__ = "mail_threads"

    ticket_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    token: Mapped[str] = mapped_column(String(32), unique=True)
    root_message_id: Mapped[str] = mapped_column(String(998))


class MailboxLease(Base):
    """Which dispatcher reads an account's mailbox, until when. The holder renews it while it
    reads; one that died lets it run out, and another dispatcher takes the mailbox over."""

    __tablename__ = "mailbox_leases"

    account_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    holder: Mapped[str] = mapped_column(String(32))
    expires_at: Mapped[float] = mapped_column(Double)

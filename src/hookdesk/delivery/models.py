from sqlalchemy import BigInteger, Boolean, Double, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from hookdesk.db.base import AutoIncrementId, Base, unix_time

PENDING, DELIVERED, FAILED, CANCELLED = "pending", "delivered", "failed", "cancelled"


class Delivery(Base):
    """One event sent to one endpoint: the `webhook_event` of the API, its id the `whev_` id.

    While a dispatcher holds it, `next_attempt_at` is the end of its lease and `lease_token` names
    the holder: a dispatcher that dies simply lets the delivery fall due again.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        # Claims look endpoint by endpoint for the earliest due deliveries.
        Index(
            "ix_deliveries_endpoint_due",
            "endpoint_id",
            "next_attempt_at",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
        Index("ix_deliveries_account_created", "account_id", "created_at"),
        Index("ix_deliveries_endpoint_ticket", "endpoint_id", "ticket_id", "event_seq"),
        Index("ix_deliveries_created_at", "created_at"),  # retention purges by age
        # The dashboard counts an account's failed deliveries (delivery/alerts.py): few rows of
        # many.
        Index(
            "ix_deliveries_account_failed",
            "account_id",
            postgresql_where=text("status = 'failed'"),
            sqlite_where=text("status = 'failed'"),
        ),
    )

    id: Mapped[str] = mapped_column(String(22), primary_key=True)
    account_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("accounts.id", ondelete="CASCADE")
    )
    event_seq: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    endpoint_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("webhook_endpoints.id", ondelete="CASCADE")
    )
    event_type: Mapped[str] = mapped_column(String(64))
    ticket_id: Mapped[str | None] = mapped_column(String(36))  # None: an operational event
    ordered: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(16))
    attempt_count: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[float | None] = mapped_column(Double)
    lease_token: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[int] = unix_time()


class Attempt(Base):
    __tablename__ = "attempts"

    id: Mapped[int] = mapped_column(AutoIncrementId, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("accounts.id", ondelete="CASCADE")
    )
    delivery_id: Mapped[str] = mapped_column(
        String(22), ForeignKey("deliveries.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[int] = unix_time()
    status_code: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)


class DispatcherHeartbeat(Base):
    """A running dispatcher, seen every few seconds: readiness and metrics read it, and a row not
    seen for long is a dispatcher that died. Not an account's data, so not scoped by one."""

    __tablename__ = "dispatchers"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    hostname: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[int] = unix_time()
    seen_at: Mapped[float] = mapped_column(Double)
    in_flight: Mapped[int] = mapped_column(Integer)

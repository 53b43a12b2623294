"""The tables of webhooks: endpoints, the outbox, deliveries and attempts, dispatchers."""

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Double,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from hookdesk.db.base import AutoIncrementId, Base, Owned, unix_time


class WebhookEndpoint(Owned, Base):
    __tablename__ = "webhook_endpoints"

    url: Mapped[str] = mapped_column(Text)
    events: Mapped[list[str]] = mapped_column(JSON)
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # enabled | disabled
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    # When hookdesk disabled the endpoint itself (410 Gone, or failing too long); None while it is
    # enabled or when it was disabled by hand.
    auto_disabled_at: Mapped[int | None] = mapped_column(BigInteger)
    api_version: Mapped[int] = mapped_column(Integer)
    ordered: Mapped[bool] = mapped_column(Boolean)
    # The custom headers, a JSON object encrypted like the secret (they often hold a receiver's
    # credentials); None when there are none.
    sealed_headers: Mapped[str | None] = mapped_column(Text)
    # Encrypted with the server key (HOOKDESK_SECRET_KEY); never stored or logged in clear.
    secret: Mapped[str] = mapped_column(Text)
    # The secret before the last rotation keeps signing beside the new one until it expires.
    previous_secret: Mapped[str | None] = mapped_column(Text)
    previous_secret_expires_at: Mapped[int | None] = mapped_column(BigInteger)
    # Set at the first failure after a success; an endpoint failing for too long is disabled.
    failing_since: Mapped[int | None] = mapped_column(BigInteger)
    # Deliveries per second at most (None: no limit), paced across every dispatcher by
    # `rate_next_at`: when the next delivery may start (webhooks/dispatch/pacing.py).
    rate_limit: Mapped[int | None] = mapped_column(Integer)
    rate_next_at: Mapped[float | None] = mapped_column(Double)
    created_at: Mapped[int] = unix_time()
    updated_at: Mapped[int] = unix_time()
    # Deleted endpoints stay for their event log; they take no new deliveries.
    deleted_at: Mapped[int | None] = mapped_column(BigInteger)


class OutboxEvent(Base):
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


class WebhookEvent(Base):
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
        # The dashboard counts an account's failed deliveries (webhooks/log/alerts.py): few rows of
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
    # A resend is an attempt outside the retry schedule (webhooks/dispatch/resends.py): while one
    # is queued or in flight, the schedule's status and next attempt wait here to be put back.
    resume_status: Mapped[str | None] = mapped_column(String(16))
    resume_at: Mapped[float | None] = mapped_column(Double)
    # Of `attempt_count`, how many were resends: the schedule's step counts only the others.
    resend_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    @property
    def scheduled_status(self) -> str:
        """The status as the retry schedule has it, a resend in flight or not."""
        return self.resume_status or self.status

    @property
    def scheduled_attempt_at(self) -> float | None:
        """The retry schedule's next attempt, a resend in flight or not."""
        return self.resume_at if self.resume_status is not None else self.next_attempt_at


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
    # Made by a resend, outside the retry schedule (webhooks/dispatch/resends.py).
    resend: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


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

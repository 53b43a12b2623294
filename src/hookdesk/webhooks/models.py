from sqlalchemy import JSON, BigInteger, Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hookdesk.db.base import Base, Owned, unix_time


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
    created_at: Mapped[int] = unix_time()
    updated_at: Mapped[int] = unix_time()
    # Deleted endpoints stay for their event log; they take no new deliveries.
    deleted_at: Mapped[int | None] = mapped_column(BigInteger)

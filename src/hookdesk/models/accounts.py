from sqlalchemy import BigInteger, Double, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hookdesk.db.base import Base, unix_time


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[int] = unix_time()
    # The brand the client portal shows; the account's name stands in for an unset display name.
    brand_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    brand_logo_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    brand_color: Mapped[str | None] = mapped_column(String(7), nullable=True)
    # Seconds a client's portal session lasts; unset, access/portal_settings.py's default.
    portal_session_length: Mapped[int | None] = mapped_column(Integer, nullable=True)


class ApiKey(Base):
    """Only a hash of the key's secret part is kept; the key itself is shown once, at creation.

    `id` is the key id written inside the key (`hk_<id>_...`), which finds the row when the key is
    presented; `public_id` is the UUID the API names the key by."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True, index=True)
    account_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[int] = unix_time()
    # Written at most once a minute per key (see api_keys.LAST_USED_PRECISION), not per request.
    last_used_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    revoked_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class RateLimitBucket(Base):
    """The token bucket of one API key, kept in the database so that every API process draws from
    the same bucket."""

    __tablename__ = "rate_limit_buckets"

    key_id: Mapped[str] = mapped_column(
        String(16), ForeignKey("api_keys.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    tokens: Mapped[float] = mapped_column(Double)
    updated_at: Mapped[float] = mapped_column(Double)  # when `tokens` was last computed

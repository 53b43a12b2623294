"""Rate limits per API key: a token bucket that holds up to `rate_limit_burst` tokens and gains
`rate_limit` tokens a second; each API request takes one, and a request that finds less than one
token is refused without taking anything.

On PostgreSQL any number of API processes serve one database, so the bucket is a row of
`rate_limit_buckets`, taken from with one atomic upsert in a short write transaction (the one that
reads the request's API key, accounts/dependencies.py) and timed by the database's clock (the
processes' machines need not agree on the time). On SQLite hookdesk is one process by design, and
a bucket row written per request would put a write transaction, with its fsync under
`synchronous=FULL`, in front of every request, even reads (measured in
docs/api-notes.md), so there the buckets live in the process's memory.
"""

import functools
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import ColumnElement, Double, Executable, bindparam, cast, func, literal, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from hookdesk.accounts.service import KeyHolder
from hookdesk.config import Settings
from hookdesk.db.database import Database
from hookdesk.models.accounts import RateLimitBucket


@dataclass(frozen=True)
class RateLimits:
    rate: float  # tokens gained per second
    burst: int  # the bucket's capacity

    def refilled(self, tokens: float, elapsed: float) -> float:
        return min(float(self.burst), tokens + max(elapsed, 0.0) * self.rate)


@dataclass(frozen=True)
class RateLimitDecision:
    allowed: bool
    limit: int  # the bucket's capacity
    remaining: int  # whole tokens left after this request
    retry_after: int  # whole seconds until a token is back; 0 when allowed
    reset: int  # whole seconds until the bucket is full again

    @classmethod
    def taken(cls, limits: RateLimits, tokens_left: float) -> "RateLimitDecision":
        return cls(True, limits.burst, math.floor(tokens_left), 0, _until_full(limits, tokens_left))

    @classmethod
    def refused(cls, limits: RateLimits, tokens: float) -> "RateLimitDecision":
        wait = math.ceil((1 - tokens) / limits.rate)
        return cls(False, limits.burst, 0, max(1, wait), _until_full(limits, tokens))


def _until_full(limits: RateLimits, tokens: float) -> int:
    return max(0, math.ceil((limits.burst - tokens) / limits.rate))


class Limiter(Protocol):
    limits: RateLimits

    def take(self, key: KeyHolder) -> RateLimitDecision: ...


def limiter_for(settings: Settings, database: Database) -> Limiter | None:
    """The app's limiter; None when `rate_limit` is 0 (no limit)."""
    if settings.rate_limit == 0:
        return None
    limits = RateLimits(settings.rate_limit, settings.rate_limit_burst)
    return MemoryBuckets(limits) if database.is_sqlite else DatabaseBuckets(database, limits)


class MemoryBuckets:
    """Buckets in this process's memory: right for one process (SQLite), and only then."""

    def __init__(self, limits: RateLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key id -> (tokens, when)
        self._lock = threading.Lock()  # requests run on several worker threads

    def take(self, key: KeyHolder) -> RateLimitDecision:
        with self._lock:
            now = self._clock()
            tokens, then = self._buckets.get(key.key_id, (float(self.limits.burst), now))
            tokens = self.limits.refilled(tokens, now - then)
            if tokens < 1:
                self._buckets[key.key_id] = (tokens, now)
                return RateLimitDecision.refused(self.limits, tokens)
            self._buckets[key.key_id] = (tokens - 1, now)
            return RateLimitDecision.taken(self.limits, tokens - 1)


class DatabaseBuckets:
    """Buckets in `rate_limit_buckets` on PostgreSQL, shared by every process that uses it."""

    def __init__(self, database: Database, limits: RateLimits) -> None:
        self.limits = limits
        self._database = database

    def take(self, key: KeyHolder) -> RateLimitDecision:
        with self._database.write() as session:
            return self.take_in(session, key)

    def take_in(self, session: Session, key: KeyHolder) -> RateLimitDecision:
        """Takes a token in the caller's write transaction, which it makes not wait for the disk:
        a bucket is not worth waiting for the WAL to reach it, and a crash of the database can at
        worst forget its last fraction of a second of taken tokens."""
        connection = session.connection()  # plain statements: none of the ORM's work
        connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
        bucket = {"key_id": key.key_id, "account_id": key.account_id}
        left: float | None = connection.execute(_take_token(self.limits), bucket).scalar()
        if left is not None:
            return RateLimitDecision.taken(self.limits, left)
        # Refused: read the bucket once more, only to tell the client how long to wait.
        found: float | None = connection.execute(_tokens_now(self.limits), bucket).scalar()
        tokens = float(self.limits.burst) if found is None else found
        return RateLimitDecision.refused(self.limits, tokens)


# The statements are built once per limit (the app has one), with the key bound at each run:
# building one cost more than running it.


@functools.cache
def _take_token(limits: RateLimits) -> Executable:
    """Takes a token in one atomic statement: the tokens left after it, or None when the bucket
    held less than one (and was left as it was).

    A first request inserts a full bucket less one token. Otherwise the upsert locks the row,
    refills it for the time since `updated_at` and takes a token, unless the refilled bucket holds
    less than one: then the update's WHERE is false and nothing is returned."""
    bucket = RateLimitBucket.__table__.c
    refilled = _refilled(limits)
    return (
        insert(RateLimitBucket)
        .values(
            key_id=bindparam("key_id"),
            account_id=bindparam("account_id"),
            tokens=limits.burst - 1,
            updated_at=_now(),
        )
        .on_conflict_do_update(
            index_elements=[bucket.key_id],
            set_={"tokens": refilled - 1, "updated_at": _now()},
            where=(refilled >= 1) & (bucket.account_id == bindparam("account_id")),
        )
        .returning(bucket.tokens)
    )


@functools.cache
def _tokens_now(limits: RateLimits) -> Executable:
    return select(_refilled(limits)).where(
        RateLimitBucket.key_id == bindparam("key_id"),
        RateLimitBucket.account_id == bindparam("account_id"),
    )


def _refilled(limits: RateLimits) -> ColumnElement[float]:
    """The bucket's tokens now, by the database's clock: `Limits.refilled` in SQL."""
    bucket = RateLimitBucket.__table__.c
    elapsed = func.greatest(_now() - bucket.updated_at, literal(0.0, Double))
    grown = bucket.tokens + elapsed * literal(limits.rate, Double)
    return func.least(literal(float(limits.burst), Double), grown, type_=Double)


def _now() -> ColumnElement[float]:
    """Unix seconds by the database's clock, when the statement reaches this row (after the
    upsert's lock: `now()` would be the time the transaction began)."""
    return cast(func.extract("epoch", func.clock_timestamp()), Double)

"""Rate limits per API key: a token bucket that holds up to `rate_limit_burst` tokens and gains
`rate_limit` tokens a second; each API request takes one, and a request that finds less than one
token is refused without taking anything.

On PostgreSQL any number of API processes serve one database, so the bucket is a row of
`rate_limit_buckets`, taken from with one atomic upsert in the statement that reads the request's
API key (accounts/dependencies.py), committed by itself, and timed by the database's clock (the
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
from typing import Any, NamedTuple, Protocol

from sqlalchemy import (
    ColumnElement,
    Connection,
    Double,
    Result,
    Select,
    String,
    bindparam,
    cast,
    func,
    literal_column,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import Insert, insert
from sqlalchemy.sql.expression import ClauseElement

from hookdesk.accounts import keys
from hookdesk.accounts.keys import PresentedKey
from hookdesk.accounts.service import KeyHolder, holder_of
from hookdesk.config import Settings
from hookdesk.db.database import Database
from hookdesk.db.direct import compiled
from hookdesk.db.on_loop import OnLoop
from hookdesk.models.accounts import ApiKey, RateLimitBucket


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
        with self._database.autocommit() as connection:
            left: float | None = _run(connection, _take_token(self.limits), _bucket(key)).scalar()
            return self._decided(connection, key, left)

    async def authenticate_and_take(
        self, on_loop: OnLoop, presented: PresentedKey
    ) -> tuple[KeyHolder | None, RateLimitDecision | None]:
        """The key's holder (None for a wrong key) and, for a good one, a token taken from its
        bucket: in one statement that commits by itself, run by psycopg alone on the loop
        (`OnLoop.fetch`), so a request's key and token cost one round trip (and no BEGIN and
        COMMIT around it)."""
        secret_hash = keys.hash_secret(presented.secret)
        found = await on_loop.fetch(
            _authenticate_and_take(self.limits),
            {"key_id": presented.key_id, "secret_hash": secret_hash},
        )
        row = _PresentedKeyRow(*found[0]) if found else None
        key = holder_of(presented, row)
        if key is None or row is None:
            return None, None
        if row.tokens_left is not None:
            return key, RateLimitDecision.taken(self.limits, row.tokens_left)
        # Refused: read the bucket once more, only to tell the client how long to wait.
        bucket = await on_loop.fetch(_tokens_now(self.limits), _bucket(key))
        return key, self._refused(bucket[0][0] if bucket else None)

    def _decided(
        self, connection: Connection, key: KeyHolder, left: float | None
    ) -> RateLimitDecision:
        if left is not None:
            return RateLimitDecision.taken(self.limits, left)
        # Refused: read the bucket once more, only to tell the client how long to wait.
        return self._refused(_run(connection, _tokens_now(self.limits), _bucket(key)).scalar())

    def _refused(self, tokens_now: float | None) -> RateLimitDecision:
        """Refused, with the bucket's tokens now (None: no bucket, which is full)."""
        tokens = float(self.limits.burst) if tokens_now is None else tokens_now
        return RateLimitDecision.refused(self.limits, tokens)


class _PresentedKeyRow(NamedTuple):
    """A row of `_authenticate_and_take`."""

    secret_hash: str
    account_id: str
    revoked_at: int | None
    last_used_at: int | None
    tokens_left: float | None
    asynchronous_commit: str


def _bucket(key: KeyHolder) -> dict[str, str]:
    return {"key_id": key.key_id, "account_id": key.account_id}


# The statements are built once per limit (the app has one), with the key bound at each run:
# building one cost more than running it. Their SQL is made once too (`compiled`), the limits
# written into it, and run as it is: SQLAlchemy would otherwise walk the whole statement for its
# cache key and process its nine constant parameters at every request.


def _run(connection: Connection, statement: ClauseElement, key: dict[str, str]) -> Result[Any]:
    sql = compiled(statement)
    return connection.exec_driver_sql(sql.text, sql.bound(key))


def _number(value: float) -> ColumnElement[float]:
    """One of the limits, written into the SQL: a number of the settings, never a request's. As
    a string PostgreSQL reads as a double: `'inf'` too."""
    return cast(literal_column(f"'{float(value)!r}'"), Double)


@functools.cache
def _take_token(limits: RateLimits) -> ClauseElement:
    """Takes a token in one atomic statement: the tokens left after it, or None when the bucket
    held less than one (and was left as it was)."""
    return _taking(
        select(bindparam("key_id", type_=String(16)), bindparam("account_id", type_=String(36))),
        limits,
    ).returning(RateLimitBucket.__table__.c.tokens, _asynchronous_commit())


@functools.cache
def _authenticate_and_take(limits: RateLimits) -> ClauseElement:
    """Reads the API key by its id and, if the secret's hash is its own and it is not revoked,
    takes a token: the key's row with `tokens_left` (None when refused or for a wrong key).

    The hashes are compared in SQL too, so that a wrong secret takes no token; the caller still
    compares them in constant time (`service.holder_of`), which decides. The commit is made not
    to wait for the disk: a bucket is not worth waiting for the WAL to reach it, and a crash of
    the database can at worst forget its last fraction of a second of taken tokens."""
    key = (
        select(
            ApiKey.id, ApiKey.account_id, ApiKey.secret_hash, ApiKey.revoked_at, ApiKey.last_used_at
        )
        .where(ApiKey.id == bindparam("key_id"))
        .cte("presented")
    )
    good = select(key.c.id, key.c.account_id).where(
        key.c.secret_hash == bindparam("secret_hash"), key.c.revoked_at.is_(None)
    )
    bucket = RateLimitBucket.__table__.c
    taken = _taking(good, limits).returning(bucket.tokens).cte("taken")
    return select(
        key.c.secret_hash,
        key.c.account_id,
        key.c.revoked_at,
        key.c.last_used_at,
        select(taken.c.tokens).scalar_subquery().label("tokens_left"),
        _asynchronous_commit(),
    )


def _asynchronous_commit() -> ColumnElement[str]:
    """Makes the statement's transaction commit without waiting for the disk: `SET LOCAL
    synchronous_commit TO OFF`, in a statement that commits by itself."""
    on = func.set_config(literal_column("'synchronous_commit'"), literal_column("'off'"), true())
    return on.label("asynchronous_commit")


def _taking(rows: Select[str, str], limits: RateLimits) -> Insert:
    """An upsert that takes a token from the bucket of each key of `rows` (key id, account id).

    A first request inserts a full bucket less one token. Otherwise the upsert locks the row,
    refills it for the time since `updated_at` and takes a token, unless the refilled bucket holds
    less than one: then the update's WHERE is false and nothing is returned."""
    bucket = RateLimitBucket.__table__.c
    refilled = _refilled(limits)
    full_less_one = _number(float(limits.burst - 1))
    upsert = insert(RateLimitBucket).from_select(
        ["key_id", "account_id", "tokens", "updated_at"], rows.add_columns(full_less_one, _now())
    )
    return upsert.on_conflict_do_update(
        index_elements=[bucket.key_id],
        set_={"tokens": refilled - _number(1.0), "updated_at": _now()},
        where=(refilled >= _number(1.0)) & (bucket.account_id == upsert.excluded.account_id),
    )


@functools.cache
def _tokens_now(limits: RateLimits) -> ClauseElement:
    return select(_refilled(limits)).where(
        RateLimitBucket.key_id == bindparam("key_id"),
        RateLimitBucket.account_id == bindparam("account_id"),
    )


def _refilled(limits: RateLimits) -> ColumnElement[float]:
    """The bucket's tokens now, by the database's clock: `Limits.refilled` in SQL."""
    bucket = RateLimitBucket.__table__.c
    elapsed = func.greatest(_now() - bucket.updated_at, _number(0.0))
    grown = bucket.tokens + elapsed * _number(limits.rate)
    return func.least(_number(float(limits.burst)), grown, type_=Double)


def _now() -> ColumnElement[float]:
    """Unix seconds by the database's clock, when the statement reaches this row (after the
    upsert's lock: `now()` would be the time the transaction began)."""
    return cast(func.extract("epoch", func.clock_timestamp()), Double)

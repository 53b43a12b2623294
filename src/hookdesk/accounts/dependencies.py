"""`CurrentActing`: the API key that signed the request, for its account, or a 401; and, when
rate limits are on, a 429 for a key that is over its limit (see accounts/ratelimit.py).
`CurrentAccount` is its account's id, for routes that need no more."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.openapi.models import HTTPBearer as HTTPBearerModel
from fastapi.security.base import SecurityBase
from fastapi.security.utils import get_authorization_scheme_param
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from hookdesk.accounts import api_keys, keys, known_keys, service
from hookdesk.accounts.acting import Acting, ApiKey, acting_for
from hookdesk.accounts.ratelimit import DatabaseBuckets, Limiter, RateLimitDecision
from hookdesk.db.database import Database
from hookdesk.db.on_loop import OnLoop
from hookdesk.errors import ErrorCode, TooManyRequests, Unauthorized
from hookdesk.http import ratelimit as ratelimit_headers


class _BearerApiKey(SecurityBase):
    """`CurrentActing`, one dependency that OpenAPI shows as the HTTP bearer scheme. Built of
    FastAPI's `HTTPBearer` and the database as dependencies of its own, it cost FastAPI a node
    each, at every request with a key."""

    def __init__(self) -> None:
        self.model = HTTPBearerModel(description="An API key: `Authorization: Bearer hk_...`")
        self.scheme_name = "HTTPBearer"

    async def __call__(self, request: Request) -> Acting:
        db: Database = request.app.state.database
        return await current_acting(request, db, _presented(request))


def _presented(request: Request) -> str | None:
    """The key in `Authorization: Bearer <key>`, as HTTPBearer reads it; else None."""
    scheme, credentials = get_authorization_scheme_param(request.headers.get("Authorization"))
    return credentials if credentials and scheme.lower() == "bearer" else None


async def current_acting(request: Request, db: Database, plaintext: str | None) -> Acting:
    if plaintext is None:
        raise Unauthorized(
            "Missing API key: send it as 'Authorization: Bearer <api key>'.",
            code=ErrorCode.API_KEY_MISSING,
        )
    limiter: Limiter | None = request.app.state.rate_limiter
    # A key this process knows (SQLite) costs no statement; one that must be read costs one
    # statement, its token taken in it on PostgreSQL, awaited on the loop there.
    known = known_keys.found(db.url, plaintext) if db.is_sqlite else None
    decision = None
    if known is not None:
        key = known
    elif db.on_loop is not None:
        key, decision = await _checked(db.on_loop, limiter, plaintext)
    else:
        key = await run_in_threadpool(_remembered, db, plaintext)
    if decision is None and limiter is not None:
        decision = limiter.take(key)
    if decision is not None:
        _enforce(request, limiter, decision)
    if api_keys.is_stale(key):
        await run_in_threadpool(_mark_used, db, key)
    return acting_for(request, key.account_id, ApiKey(key.key_id))


async def _checked(
    on_loop: OnLoop, limiter: Limiter | None, plaintext: str
) -> tuple[service.KeyHolder, RateLimitDecision | None]:
    """PostgreSQL: the key's holder, read; with a limit, a token taken from its bucket in the
    same statement."""
    if not isinstance(limiter, DatabaseBuckets):
        return await on_loop.read(lambda session: _authenticated(session, plaintext)), None
    presented = keys.parse(plaintext)
    if presented is None:
        raise _invalid()
    key, decision = await limiter.authenticate_and_take(on_loop, presented)
    if key is None or decision is None:
        raise _invalid()
    return key, decision


def _remembered(db: Database, plaintext: str) -> service.KeyHolder:
    """SQLite: the key's holder, read, and known to this process from now on."""
    read_in = known_keys.generation()
    with db.read() as session:
        key = _authenticated(session, plaintext)
    known_keys.remember(db.url, read_in, plaintext, key)
    return key


def _authenticated(session: Session, plaintext: str) -> service.KeyHolder:
    key = service.authenticate(session, plaintext=plaintext)
    if key is None:
        raise _invalid()
    return key


def _invalid() -> Unauthorized:
    return Unauthorized("Invalid API key.", code=ErrorCode.API_KEY_INVALID)


def _mark_used(db: Database, key: service.KeyHolder) -> None:
    with db.write() as session:
        at = api_keys.mark_used(session, account_id=key.account_id, key_id=key.key_id)
    known_keys.used(db.url, key, at)


def _enforce(request: Request, limiter: Limiter | None, decision: RateLimitDecision) -> None:
    ratelimit_headers.remember(request, decision)
    if not decision.allowed and limiter is not None:
        limits = limiter.limits
        raise TooManyRequests(
            f"Too many requests with this API key (at most {limits.burst} at once and "
            f"{limits.rate:g} a second): retry after {decision.retry_after} s.",
            retry_after=decision.retry_after,
        )


CurrentActing = Annotated[Acting, Depends(_BearerApiKey())]


async def current_account(acting: CurrentActing) -> str:
    # Async, as every dependency that waits on nothing: FastAPI runs a sync one in a worker
    # thread, a hop that costs more than the dependency.
    return acting.account_id


CurrentAccount = Annotated[str, Depends(current_account)]

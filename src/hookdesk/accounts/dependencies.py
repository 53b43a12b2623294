"""`CurrentActing`: the API key that signed the request, for its account, or a 401; and, when
rate limits are on, a 429 for a key that is over its limit (see accounts/ratelimit.py).
`CurrentAccount` is its account's id, for routes that need no more."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from hookdesk.accounts import api_keys, service
from hookdesk.accounts.acting import Acting, ApiKey, acting_for
from hookdesk.accounts.ratelimit import Limiter
from hookdesk.db.dependencies import Db
from hookdesk.errors import ErrorCode, TooManyRequests, Unauthorized
from hookdesk.http import ratelimit as ratelimit_headers

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer hk_...`")


def current_acting(
    request: Request,
    db: Db,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Acting:
    if credentials is None:
        raise Unauthorized(
            "Missing API key: send it as 'Authorization: Bearer <api key>'.",
            code=ErrorCode.API_KEY_MISSING,
        )
    with db.read() as session:
        key = service.authenticate(session, plaintext=credentials.credentials)
    if key is None:
        raise Unauthorized("Invalid API key.", code=ErrorCode.API_KEY_INVALID)
    _take_token(request, key)
    if api_keys.is_stale(key):
        with db.write() as session:
            api_keys.mark_used(session, account_id=key.account_id, key_id=key.key_id)
    return acting_for(request, key.account_id, ApiKey(key.key_id))


def _take_token(request: Request, key: service.KeyHolder) -> None:
    limiter: Limiter | None = request.app.state.rate_limiter
    if limiter is None:
        return
    decision = limiter.take(key)
    ratelimit_headers.remember(request, decision)
    if not decision.allowed:
        limits = limiter.limits
        raise TooManyRequests(
            f"Too many requests with this API key (at most {limits.burst} at once and "
            f"{limits.rate:g} a second): retry after {decision.retry_after} s.",
            retry_after=decision.retry_after,
        )


CurrentActing = Annotated[Acting, Depends(current_acting)]


def current_account(acting: CurrentActing) -> str:
    return acting.account_id


CurrentAccount = Annotated[str, Depends(current_account)]

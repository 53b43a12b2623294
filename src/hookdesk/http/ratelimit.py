"""`RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` on every answer to a request
that took a token from an API key's bucket (accounts/ratelimit.py), whatever route or error
answered it.

The request middleware (operations/middleware.py) adds them to the answer's start."""

from typing import Any, Protocol

from starlette.datastructures import MutableHeaders
from starlette.requests import Request

_STATE_KEY = "rate_limit"


class Quota(Protocol):
    """What is left of a bucket once a request took from it (accounts/ratelimit.py `Decision`)."""

    @property
    def limit(self) -> int: ...

    @property
    def remaining(self) -> int: ...

    @property
    def reset(self) -> int: ...


def remember(request: Request, quota: Quota) -> None:
    """Keeps the request's quota for the headers of its answer."""
    setattr(request.state, _STATE_KEY, quota)


def add_headers(state: dict[str, Any], headers: MutableHeaders) -> None:
    """The headers of the request's quota, if it took from a bucket, on its answer's start."""
    quota: Quota | None = state.get(_STATE_KEY)
    if quota is not None:
        headers["RateLimit-Limit"] = str(quota.limit)
        headers["RateLimit-Remaining"] = str(quota.remaining)
        headers["RateLimit-Reset"] = str(quota.reset)

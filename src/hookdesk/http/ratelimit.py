"""`RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` on every answer to a request
that took a token from an API key's bucket (accounts/ratelimit.py), whatever route or error
answered it.

It only adds headers to the answer's start (http/asgi.py)."""

from typing import Protocol

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hookdesk.http.asgi import watching_start

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


class RateLimitHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # The request's state, shared with the handlers, which fill it in (see `remember`).
        state = scope.setdefault("state", {})

        def at_start(message: Message) -> None:
            quota: Quota | None = state.get(_STATE_KEY)
            if quota is not None:
                headers = MutableHeaders(scope=message)
                headers["RateLimit-Limit"] = str(quota.limit)
                headers["RateLimit-Remaining"] = str(quota.remaining)
                headers["RateLimit-Reset"] = str(quota.reset)

        await self.app(scope, receive, watching_start(send, at_start))

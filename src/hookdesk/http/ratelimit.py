"""`RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` on every answer to a request
that took a token from an API key's bucket (accounts/ratelimit.py), whatever route or error
answered it.

It only adds headers to the answer's start (http/asgi.py)."""

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hookdesk.accounts.ratelimit import Decision
from hookdesk.http.asgi import watching_start

_STATE_KEY = "rate_limit"


def remember(request: Request, decision: Decision) -> None:
    """Keeps the request's decision for the headers of its answer."""
    setattr(request.state, _STATE_KEY, decision)


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
            decision = state.get(_STATE_KEY)
            if isinstance(decision, Decision):
                headers = MutableHeaders(scope=message)
                headers["RateLimit-Limit"] = str(decision.limit)
                headers["RateLimit-Remaining"] = str(decision.remaining)
                headers["RateLimit-Reset"] = str(decision.reset)

        await self.app(scope, receive, watching_start(send, at_start))

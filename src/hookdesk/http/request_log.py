"""Each HTTP request gets an id, its log lines carry it, and one line records how it went.

The id is the caller's `X-Request-Id` when it looks like one (a proxy in front may set it), else a
new one; every answer carries it back in `X-Request-Id`. The line shows the path with any one-time
token in it replaced by its name, and never the query string (searches hold people's words).
"""

import re
import secrets
import time

import structlog
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hookdesk.http.asgi import watching_start

HEADER = "X-Request-Id"
_ACCEPTED_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_SECRET_PARAMS = frozenset({"token"})
_PATH_LIMIT = 300
# Probes come every few seconds from load balancers and Prometheus: lines only at debug level.
_PROBES = frozenset({"/healthz", "/readyz", "/metrics"})

log = structlog.get_logger("hookdesk.http")


def request_id_of(scope: Scope) -> str | None:
    request_id = scope.get("state", {}).get("request_id")
    return str(request_id) if request_id else None


class RequestLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _given_id(scope) or f"req_{secrets.token_hex(8)}"
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500  # unless an answer starts: an error escaped to the server's last handler
        started = time.perf_counter()

        def at_start(message: Message) -> None:
            nonlocal status
            status = message["status"]
            MutableHeaders(scope=message).append(HEADER, request_id)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                await self.app(scope, receive, watching_start(send, at_start))
            finally:
                write = log.debug if scope["path"] in _PROBES else log.info
                write(
                    "request",
                    method=scope["method"],
                    path=_loggable_path(scope),
                    status=status,
                    duration_ms=round((time.perf_counter() - started) * 1000, 1),
                )


def _given_id(scope: Scope) -> str | None:
    given = Headers(scope=scope).get(HEADER)
    return given if given and _ACCEPTED_ID.fullmatch(given) else None


def _loggable_path(scope: Scope) -> str:
    path = str(scope["path"])[:_PATH_LIMIT]
    for name, value in scope.get("path_params", {}).items():
        if name in _SECRET_PARAMS and value:
            path = path.replace(str(value), f"{{{name}}}")
    return path

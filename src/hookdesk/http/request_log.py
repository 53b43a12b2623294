"""Each HTTP request gets an id, its log lines carry it, and one line records how it went (the
request middleware, operations/middleware.py, calls `start` and `write`).

The id is the caller's `X-Request-Id` when it looks like one (a proxy in front may set it), else a
new one; every answer carries it back in `X-Request-Id`. The line shows the path with any one-time
token in it replaced by its name, and never the query string (searches hold people's words).
"""

import re
import secrets

import structlog
from starlette.datastructures import Headers
from starlette.types import Scope

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


def start(scope: Scope) -> str:
    """The request's id, kept in its state (`request_id_of`) for the error handler."""
    request_id = _given_id(scope) or f"req_{secrets.token_hex(8)}"
    scope.setdefault("state", {})["request_id"] = request_id
    return request_id


def write(scope: Scope, status: int, seconds: float) -> None:
    """The request's one line, once it was answered (500: an error escaped to the server)."""
    line = log.debug if scope["path"] in _PROBES else log.info
    line(
        "request",
        method=scope["method"],
        path=_loggable_path(scope),
        status=status,
        duration_ms=round(seconds * 1000, 1),
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

"""The one error handler: every failure becomes a `HookdeskError`, answered to the API as
`{"status", "error", "error_code"}` and on the pages (http/pages.py) as the HTML page `web/`
renders for it."""

from collections.abc import Callable
from typing import Any

import psycopg
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException

from hookdesk.errors import ErrorCode, HookdeskError
from hookdesk.http.pages import is_page
from hookdesk.http.request_log import HEADER, request_id_of
from hookdesk.shared.text import printable

log = structlog.get_logger("hookdesk.http")

# The page an error is shown as, on the pages.
ErrorPage = Callable[[Request, HookdeskError], Response]

_HTTP_STATUS_CODES = {
    404: ErrorCode.ROUTE_NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    413: ErrorCode.BODY_TOO_LARGE,
}
_PAGING_FIELDS = {"page", "per_page"}
DATABASE_RETRY_AFTER = 1  # seconds: a restarting database is usually back within a few


class DatabaseUnavailable(HookdeskError):
    """The database is away (restarting, unreachable, or SQLite busy past its timeout): a 503 the
    caller can retry. Whether a write sent just before was committed is then unknown to hookdesk
    too, as with any dropped connection."""

    status = 503
    code = ErrorCode.DATABASE_UNAVAILABLE

    def __init__(self) -> None:
        message = "The database is not reachable right now: try again in a moment."
        super().__init__(message, headers={"Retry-After": str(DATABASE_RETRY_AFTER)})


class InternalError(HookdeskError):
    """A bug: logged with its traceback, answered with the request's id to quote."""

    status = 500
    code = ErrorCode.INTERNAL

    def __init__(self, request_id: str) -> None:
        message = f"Internal error: this is a bug in hookdesk (request id {request_id})."
        super().__init__(message, headers={HEADER: request_id})
        self.request_id = request_id


class HttpRefusal(HookdeskError):
    """Starlette's refusals (no such route, a method not taken, a body too large), any status."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None) -> None:
        code = _HTTP_STATUS_CODES.get(status, ErrorCode.VALIDATION_FAILED)
        super().__init__(message, code=code, headers=headers)
        self.status = status


def install(app: FastAPI, *, page: ErrorPage | None = None) -> None:
    """One handler for every failure; on the pages, `page` renders it."""
    app.state.error_page = page
    # `Exception` alone would answer them too, but outside the middleware (request log, headers).
    handled = (HookdeskError, RequestValidationError, HTTPException, DBAPIError, Exception)
    for error_class in handled:
        app.add_exception_handler(error_class, answer)


async def answer(request: Request, error: Exception) -> Response:
    refusal = hookdesk_error(request, error)
    page: ErrorPage | None = getattr(request.app.state, "error_page", None)
    if page is not None and is_page(request.url.path):
        return page(request, refusal)
    # A message may quote the bad input: one holding a lone surrogate could not even be encoded.
    body = {
        "status": refusal.status,
        "error": printable(refusal.message),
        "error_code": int(refusal.code),
    }
    return JSONResponse(body, status_code=refusal.status, headers=refusal.headers)


def hookdesk_error(request: Request, error: Exception) -> HookdeskError:
    """The failure as the one error type: what the caller is told about it."""
    if isinstance(error, HookdeskError):
        return error
    if isinstance(error, RequestValidationError):
        return _invalid(request, error)
    if isinstance(error, HTTPException):
        return _refused(error)
    if _database_away(error):
        cause = error.orig if isinstance(error, DBAPIError) else error
        log.warning("database unavailable", error=type(cause).__name__)
        return DatabaseUnavailable()
    # This handler runs outside the request's log context: name the request here.
    request_id = request_id_of(request.scope) or "unknown"
    log.error("unexpected error", method=request.method, request_id=request_id, exc_info=error)
    return InternalError(request_id)


def _database_away(error: Exception) -> bool:
    """A connection refused or broken, or none free in time in the pool: through SQLAlchemy, or
    straight from psycopg (`OnLoop.fetch`)."""
    if isinstance(error, DBAPIError):
        return isinstance(error, OperationalError) or error.connection_invalidated
    return isinstance(error, psycopg.OperationalError | PoolTimeout)


def _invalid(request: Request, error: RequestValidationError) -> HookdeskError:
    problems = list(error.errors())
    if _body_not_json(request, problems):
        message = "Send the body as JSON, with the header 'Content-Type: application/json'."
        return HookdeskError(message, code=ErrorCode.INVALID_JSON)
    return HookdeskError(_sentence(problems[:5]), code=_code_for(problems[0]))


def _refused(error: HTTPException) -> HookdeskError:
    if isinstance(error.__cause__, RecursionError):  # FastAPI's JSON parsing gave up
        message = "The body is JSON nested too deeply to read."
        return HookdeskError(message, code=ErrorCode.INVALID_JSON)
    message = {
        404: "No such route: see the API reference at /docs.",
        405: "This route does not take that HTTP method.",
    }.get(error.status_code, str(error.detail))
    # A 405 names the methods it takes in `Allow`.
    return HttpRefusal(error.status_code, message, dict(error.headers or {}))


def _body_not_json(request: Request, problems: list[dict[str, Any]]) -> bool:
    content_type = request.headers.get("content-type", "")
    sent_otherwise = bool(content_type) and "json" not in content_type
    return sent_otherwise and any(tuple(p["loc"]) == ("body",) for p in problems)


def _sentence(problems: list[dict[str, Any]]) -> str:
    """One sentence: the missing fields together ("page and per_page are required"), then each
    other problem, separated by semicolons."""
    missing = [_field(p) for p in problems if p["type"] == "missing"]
    parts = [_describe(p).rstrip(".") for p in problems if p["type"] != "missing"]
    if missing:
        parts.insert(0, _required(missing))
    return "; ".join(parts) + "."


def _required(fields: list[str]) -> str:
    if fields == [""]:
        return "A JSON body is required"
    if len(fields) == 1:
        return f"{fields[0]} is required"
    return f"{', '.join(fields[:-1])} and {fields[-1]} are required"


def _describe(problem: dict[str, Any]) -> str:
    if problem["type"] == "json_invalid":
        return "The body is not valid JSON."
    field = _field(problem)
    message = str(problem["msg"]).removeprefix("Value error, ")
    return f"{field}: {message}" if field else message


def _field(problem: dict[str, Any]) -> str:
    # loc is ("body" | "query" | "path", field, index, ...): name the field, not where it was.
    return ".".join(str(part) for part in problem["loc"][1:])


def _code_for(problem: dict[str, Any]) -> ErrorCode:
    if problem["type"] == "json_invalid":
        return ErrorCode.INVALID_JSON
    location = problem["loc"]
    if location[0] == "query" and len(location) > 1 and location[1] in _PAGING_FIELDS:
        return ErrorCode.INVALID_PAGING
    if location[-1] == "assets" and problem["type"] == "too_long":
        return ErrorCode.TOO_MANY_ASSETS
    return ErrorCode.VALIDATION_FAILED

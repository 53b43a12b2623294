"""The single place where failures become `{"status", "error", "error_code"}` answers."""

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException

from hookdesk.errors import ErrorCode, HookdeskError
from hookdesk.http.request_log import HEADER, request_id_of
from hookdesk.shared.text import printable

log = structlog.get_logger("hookdesk.http")

_HTTP_STATUS_CODES = {
    404: ErrorCode.ROUTE_NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    413: ErrorCode.BODY_TOO_LARGE,
}
_PAGING_FIELDS = {"page", "per_page"}
DATABASE_RETRY_AFTER = 1  # seconds: a restarting database is usually back within a few


def install(app: FastAPI) -> None:
    app.add_exception_handler(HookdeskError, _hookdesk_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(DBAPIError, _database_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected_error)


def envelope(
    status: int, message: str, code: ErrorCode, headers: dict[str, str] | None = None
) -> JSONResponse:
    # A message may quote the bad input: one holding a lone surrogate could not even be encoded.
    body = {"status": status, "error": printable(message), "error_code": int(code)}
    return JSONResponse(body, status_code=status, headers=headers)


async def _hookdesk_error(_request: Request, error: HookdeskError) -> JSONResponse:
    return envelope(error.status, error.message, error.code, error.headers())


async def _validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
    problems = list(error.errors())
    if _body_not_json(request, problems):
        message = "Send the body as JSON, with the header 'Content-Type: application/json'."
        return envelope(400, message, ErrorCode.INVALID_JSON)
    return envelope(400, _sentence(problems[:5]), _code_for(problems[0]))


async def _http_error(_request: Request, error: HTTPException) -> JSONResponse:
    if isinstance(error.__cause__, RecursionError):  # FastAPI's JSON parsing gave up
        return envelope(400, "The body is JSON nested too deeply to read.", ErrorCode.INVALID_JSON)
    code = _HTTP_STATUS_CODES.get(error.status_code, ErrorCode.VALIDATION_FAILED)
    message = {
        404: "No such route: see the API reference at /docs.",
        405: "This route does not take that HTTP method.",
    }.get(error.status_code, str(error.detail))
    answer = envelope(error.status_code, message, code)
    answer.headers.update(error.headers or {})  # a 405 names the methods it takes in `Allow`
    return answer


async def _database_error(request: Request, error: DBAPIError) -> JSONResponse:
    """The database is away (restarting, unreachable, or SQLite busy past its timeout): a 503 the
    caller can retry. Whether a write sent just before was committed is then unknown to hookdesk
    too, as with any dropped connection."""
    if not (isinstance(error, OperationalError) or error.connection_invalidated):
        return await _unexpected_error(request, error)
    log.warning("database unavailable", error=type(error.orig).__name__)
    message = "The database is not reachable right now: try again in a moment."
    answer = envelope(503, message, ErrorCode.DATABASE_UNAVAILABLE)
    answer.headers["Retry-After"] = str(DATABASE_RETRY_AFTER)
    return answer


async def _unexpected_error(request: Request, error: Exception) -> JSONResponse:
    # This handler runs outside the request's log context: name the request here.
    request_id = request_id_of(request.scope) or "unknown"
    log.error("unexpected error", method=request.method, request_id=request_id, exc_info=error)
    message = f"Internal error: this is a bug in hookdesk (request id {request_id})."
    answer = envelope(500, message, ErrorCode.INTERNAL)
    answer.headers[HEADER] = request_id
    return answer


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

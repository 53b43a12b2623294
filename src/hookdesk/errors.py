"""The one error class of hookdesk and its stable error codes.

Every failure is a `HookdeskError`: its status, its code, its message and, when it is about one
field, that field. One handler (http/errors.py) answers it: as `{"status", "error", "error_code"}`
to the API, as an HTML page to the pages. Codes never change meaning once released (see
docs/errors.md).
"""

from enum import IntEnum


class ErrorCode(IntEnum):
    INVALID_JSON = 1001
    VALIDATION_FAILED = 1002
    INVALID_PAGING = 1003
    UNKNOWN_REFERENCE = 1004
    UNKNOWN_SUBCATEGORY = 1005
    TICKET_ALREADY_RESOLVED = 1006
    TOO_MANY_ASSETS = 1007
    ASSET_ALREADY_ATTACHED = 1008
    UNSUPPORTED_FILE_TYPE = 1009
    EMPTY_FILE = 1010
    ENDPOINT_LIMIT = 1011
    UNSAFE_URL = 1012
    LAST_ACTIVE_API_KEY = 1013
    TEAMMATE_DISABLED = 1014
    FORBIDDEN_CHARACTER = 1015
    UNKNOWN_PLACEHOLDER = 1016
    SEARCH_TIMED_OUT = 1017
    API_KEY_MISSING = 2001
    API_KEY_INVALID = 2002
    API_KEY_REVOKED = 2003
    NOT_FOUND = 3001
    ROUTE_NOT_FOUND = 3002
    METHOD_NOT_ALLOWED = 3003
    DUPLICATE = 4001
    BODY_TOO_LARGE = 5001
    FILE_TOO_LARGE = 5002
    RATE_LIMITED = 6001
    INTERNAL = 9000
    DATABASE_UNAVAILABLE = 9001
    SECRET_KEY_MISMATCH = 9002


class HookdeskError(Exception):
    status = 400
    code = ErrorCode.VALIDATION_FAILED

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        code: ErrorCode | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """`message` says what is wrong; with a `field`, what is wrong with that field. The API
        names the field first (`"url: must be https."`); a form shows the message beside it."""
        self.field = field
        self.detail = message
        self.message = f"{field}: {message}" if field else message
        super().__init__(self.message)
        if code is not None:
            self.code = code
        # HTTP headers the answer carries besides the body.
        self.headers = headers or {}


class BadRequest(HookdeskError):
    status = 400


class Unauthorized(HookdeskError):
    status = 401
    code = ErrorCode.API_KEY_INVALID


class NotFound(HookdeskError):
    status = 404
    code = ErrorCode.NOT_FOUND

    @classmethod
    def of(cls, noun: str, identifier: str) -> "NotFound":
        return cls(f"No {noun} with id '{identifier}'.")


class MethodNotAllowed(HookdeskError):
    status = 405
    code = ErrorCode.METHOD_NOT_ALLOWED


class Conflict(HookdeskError):
    status = 409
    code = ErrorCode.DUPLICATE


class TooLarge(HookdeskError):
    status = 413
    code = ErrorCode.BODY_TOO_LARGE


class TooManyRequests(HookdeskError):
    status = 429
    code = ErrorCode.RATE_LIMITED

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after)})
        self.retry_after = retry_after

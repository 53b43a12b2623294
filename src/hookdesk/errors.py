"""The one error class of hookdesk and its stable error codes.

Every failure a client can cause is a `HookdeskError`; a single handler in `app.py` renders it as
`{"status", "error", "error_code"}`. Codes never change meaning once released (see docs/errors.md).
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

    def __init__(self, message: str, *, code: ErrorCode | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def headers(self) -> dict[str, str]:
        """HTTP headers the answer carries besides the body."""
        return {}


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
        super().__init__(message)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}

"""Refuse oversized request bodies with a 413 before they are read into memory.

A client that sends its whole body before it reads the answer (urllib, requests) would see the
connection reset instead of the 413 if the server closed it with the body unread: up to twice the
limit is read and thrown away first, then the 413 goes out with `Connection: close`.
"""

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import Message, Receive, Scope, Send

from hookdesk.errors import TooLarge
from hookdesk.http.errors import answer
from hookdesk.http.pages import is_page

UPLOAD_PATH = "/v2/assets/upload"
INBOUND_MAIL_PATH = "/v2/inbound/email"
# Pages' forms may attach files: up to five, as a reply may carry.
PAGE_FILES = 5
MULTIPART_OVERHEAD = 64 * 1024  # headers and boundaries around the uploaded file
DRAINED = 2  # times the limit read and thrown away before a 413, at most
CLOSE = {"Connection": "close"}


class BodyLimits:
    """The limits by path; the request middleware (operations/middleware.py) asks `refused` first,
    then hands the app `counting`'s receive."""

    def __init__(self, *, max_body_bytes: int, max_upload_bytes: int, max_mail_bytes: int) -> None:
        self.max_body_bytes = max_body_bytes
        self.max_mail_bytes = max_mail_bytes
        self.max_upload_bytes = max_upload_bytes + MULTIPART_OVERHEAD
        self.max_page_bytes = PAGE_FILES * max_upload_bytes + MULTIPART_OVERHEAD

    async def refused(self, scope: Scope, receive: Receive, send: Send) -> bool:
        """Whether the declared body is too large: then the 413 is sent."""
        limit = self._limit(scope["path"])
        declared = _content_length(scope)
        if declared is None or declared <= limit:
            return False
        await _drain(receive, DRAINED * limit)
        response = await answer(Request(scope), TooLarge(_message(limit), headers=CLOSE))
        await response(scope, receive, send)
        return True

    def counting(self, scope: Scope, receive: Receive) -> Receive:
        return _counting(receive, self._limit(scope["path"]))

    def _limit(self, path: str) -> int:
        if path == UPLOAD_PATH:
            return self.max_upload_bytes
        if path == INBOUND_MAIL_PATH:
            return self.max_mail_bytes
        return self.max_page_bytes if is_page(path) else self.max_body_bytes


def _counting(receive: Receive, limit: int) -> Receive:
    """For bodies sent without a Content-Length (chunked): stop reading once past the limit."""
    received = 0

    async def counted() -> Message:
        nonlocal received
        message = await receive()
        received += len(message.get("body", b""))
        if received > limit:
            if message.get("more_body", False):
                await _drain(receive, DRAINED * limit - received)
            # An HTTPException passes through FastAPI's body parsing untouched.
            raise HTTPException(413, _message(limit), headers=CLOSE)
        return message

    return counted


async def _drain(receive: Receive, budget: int) -> None:
    """Read and drop the body until its end, or until `budget` bytes are read."""
    while budget >= 0:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            return
        budget -= len(message.get("body", b""))


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() and len(value) <= 18 else None
    return None


def _message(limit: int) -> str:
    return f"The request body is larger than the limit of {limit} bytes."

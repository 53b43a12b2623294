"""The HTTP call of a delivery, behind a one-method seam (`Sender.send`): its request and its
result, the addresses it may reach; the client that makes it is `http1.py`'s `Http1Sender`.

Every way an attempt can go maps to one `error` string (None when the receiver answered 2xx):

    answered ── 2xx ──────────────── delivered
             ├─ 3xx ──────────────── "redirect to <location> not followed"
             └─ other status ─────── "HTTP <status>"
    no answer ├─ timeout ─────────── "timeout after <n> s"
              ├─ blocked address ─── "blocked address: <why>"  (see webhooks/endpoints/urls.py)
              ├─ DNS failure ─────── "DNS lookup failed: <host>"
              ├─ refused / reset ─── "connection failed: <reason>"
              ├─ TLS ─────────────── "TLS error: <reason>"
              └─ anything else ───── "request failed: <reason>"
"""

import functools
import ipaddress
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from hookdesk.net.addresses import is_public_address
from hookdesk.shared.text import storable
from hookdesk.webhooks.dispatch.retry import parse_retry_after

RESPONSE_BODY_LIMIT = 2048  # bytes of the answer kept per attempt, to keep rows small


# Not frozen: a frozen dataclass's __init__ costs about ten times more, and one is made per
# delivery. Treated as read-only all the same.
@dataclass(slots=True)
class Request:
    url: str
    body: bytes
    headers: Mapping[str, str]


# Not frozen: a frozen dataclass's __init__ costs about ten times more, and one is made per
# delivery. Treated as read-only all the same.
@dataclass(slots=True)
class Result:
    status_code: int | None
    duration_ms: int
    response_body: str | None = None
    error: str | None = None
    retry_after: float | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class Sender(Protocol):
    async def send(self, request: Request) -> Result: ...


class BlockedAddress(OSError):
    pass


class PublicOnlyResolver(AbstractResolver):
    """Resolves like aiohttp, then drops every non-public address: the connection can only go to
    an address that passed the check, whatever the DNS answers next time."""

    def __init__(self, inner: AbstractResolver | None = None) -> None:
        self._inner = inner or DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        public = [r for r in results if is_public_address(r["host"])]
        if not public:
            addresses = ", ".join(sorted({r["host"] for r in results}))
            raise BlockedAddress(f"{host} resolves only to non-public addresses ({addresses})")
        return public

    async def close(self) -> None:
        await self._inner.close()


def answered(
    status: int, body: bytes, location: str, retry_after: str | None, duration_ms: int
) -> Result:
    """The result of an answer: its status, the start of its body, its Location (of a redirect)
    and its Retry-After."""
    error = None
    if 300 <= status < 400:
        # A header's undecodable bytes are kept as lone surrogates: no text may hold those.
        error = f"redirect to {storable(location)} not followed"
    elif not 200 <= status < 300:
        error = f"HTTP {status}"
    return Result(
        status_code=status,
        duration_ms=duration_ms,
        # A receiver's answer is kept as text: a NUL in it could not be stored on PostgreSQL.
        response_body=storable(body.decode("utf-8", errors="replace")),
        error=error,
        retry_after=parse_retry_after(retry_after),
    )


@functools.lru_cache(maxsize=4096)  # an endpoint's URL is sent to again and again
def blocked_literal(url: str) -> str | None:
    """IP-literal hosts skip the resolver, so they are checked here."""
    try:
        host = urlsplit(url).hostname or ""
        ipaddress.ip_address(host)
    except ValueError:  # a name, or a URL aiohttp refuses with its own error
        return None
    return None if is_public_address(host) else f"{host} is not a public address"


def elapsed_ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)

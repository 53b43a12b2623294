"""The HTTP call of a delivery, behind a one-method seam (`Sender.send`).

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

import asyncio
import functools
import ipaddress
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import aiohttp
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


class AiohttpSender:
    """Pooled keep-alive connections; redirects are never followed."""

    def __init__(
        self,
        *,
        timeout: float,
        allow_private: bool,
        user_agent: str,
        resolver: AbstractResolver | None = None,
        max_connections: int = 512,
    ) -> None:
        self._timeout = timeout
        self._allow_private = allow_private
        self._user_agent = user_agent
        self._resolver = resolver or (None if allow_private else PublicOnlyResolver())
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> "AiohttpSender":
        connector = aiohttp.TCPConnector(
            limit=self._max_connections, limit_per_host=0, resolver=self._resolver, ttl_dns_cache=60
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(total=self._timeout),
            headers={"User-Agent": self._user_agent},
            skip_auto_headers=("Accept", "Accept-Encoding"),
            # No cookies kept: a receiver's Set-Cookie would go back with every later delivery to
            # its host, other endpoints' and other accounts' too; and none is looked for per send.
            cookie_jar=aiohttp.DummyCookieJar(),
        )
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._session is not None:
            await self._session.close()

    async def send(self, request: Request) -> Result:
        assert self._session is not None, "use the sender as an async context manager"
        started = time.perf_counter()
        blocked = None if self._allow_private else _blocked_literal(request.url)
        if blocked:
            return Result(None, 0, error=f"blocked address: {blocked}")
        try:
            async with self._session.post(
                request.url, data=request.body, headers=request.headers, allow_redirects=False
            ) as response:
                body = await response.content.read(RESPONSE_BODY_LIMIT)
                return _answered(response, body, _elapsed_ms(started))
        except Exception as error:  # every failure becomes the attempt's error, never a crash
            return Result(None, _elapsed_ms(started), error=_describe(error, self._timeout))


def _answered(response: aiohttp.ClientResponse, body: bytes, duration_ms: int) -> Result:
    status = response.status
    error = None
    if 300 <= status < 400:
        # aiohttp keeps a header's undecodable bytes as lone surrogates: no text may hold those.
        error = f"redirect to {storable(response.headers.get('Location', '?'))} not followed"
    elif not 200 <= status < 300:
        error = f"HTTP {status}"
    return Result(
        status_code=status,
        duration_ms=duration_ms,
        # A receiver's answer is kept as text: a NUL in it could not be stored on PostgreSQL.
        response_body=storable(body.decode("utf-8", errors="replace")),
        error=error,
        retry_after=parse_retry_after(response.headers.get("Retry-After")),
    )


def _describe(error: BaseException, timeout: float) -> str:
    if isinstance(error, asyncio.TimeoutError):
        return f"timeout after {timeout:g} s"
    cause: Any = getattr(error, "os_error", None) or error.__cause__
    if isinstance(cause, BlockedAddress):
        return f"blocked address: {cause}"
    if isinstance(error, aiohttp.ClientConnectorDNSError):
        return f"DNS lookup failed: {error.host}"
    if isinstance(error, aiohttp.ClientConnectorCertificateError | aiohttp.ClientSSLError):
        return f"TLS error: {error}"
    if isinstance(error, aiohttp.ClientConnectorError | aiohttp.ServerDisconnectedError):
        return f"connection failed: {error}"
    if isinstance(error, aiohttp.ClientOSError | ConnectionError):
        return f"connection failed: {error}"
    return f"request failed: {type(error).__name__}: {error}"


@functools.lru_cache(maxsize=4096)  # an endpoint's URL is sent to again and again
def _blocked_literal(url: str) -> str | None:
    """IP-literal hosts skip the resolver, so they are checked here."""
    try:
        host = urlsplit(url).hostname or ""
        ipaddress.ip_address(host)
    except ValueError:  # a name, or a URL aiohttp refuses with its own error
        return None
    return None if is_public_address(host) else f"{host} is not a public address"


def _elapsed_ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)

"""The webhook sender: a minimal HTTP/1.1 client of its own, keep-alive connections over
asyncio, one request written in one write, the answer parsed by httptools (C). Redirects are never
followed.

aiohttp's ClientSession, which sent deliveries before, spent about 80 us of CPU on each POST (its
request and response objects, header multidicts, a task to write each body, timers); this client
makes the same exchange in about 10 us. It sends the same bytes (the same headers in the same
order: Host, User-Agent, the request's, Content-Length), connects as aiohttp did (the resolver of
`sender.py`, its answers kept a minute, the addresses tried a quarter second apart, TLS verified
with the system's CAs), reads as much of an answer as an attempt keeps (`RESPONSE_BODY_LIMIT`,
decompressed), and tells failures in the words of sender.py's tree, aiohttp's where it had its own.
"""

import asyncio
import ipaddress
import socket
import ssl
import time
import zlib
from collections import defaultdict
from typing import Any

import aiohappyeyeballs
import httptools
from aiohttp.abc import AbstractResolver
from aiohttp.resolver import DefaultResolver
from yarl import URL

from hookdesk.webhooks.dispatch.sender import (
    RESPONSE_BODY_LIMIT,
    BlockedAddress,
    PublicOnlyResolver,
    Request,
    Result,
    answered,
    blocked_literal,
    elapsed_ms,
)

IDLE_SECONDS = 15.0  # a kept-alive connection unused this long is closed (aiohttp's default)
DNS_SECONDS = 60.0  # how long a resolved host's addresses are kept
ENCODED_LIMIT = 65536  # bytes of a compressed answer kept, to decompress its start from


class Disconnected(ConnectionError):
    def __str__(self) -> str:
        return "Server disconnected"


class _Answer:
    __slots__ = ("body", "encoded", "headers", "status")

    def __init__(self) -> None:
        self.status = 0
        self.headers: dict[str, str] = {}
        self.body = bytearray()
        self.encoded = False


class _Connection(asyncio.Protocol):
    """One keep-alive connection: one request at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.waiter: asyncio.Future[_Answer] | None = None
        self.answer = _Answer()
        self.reusable = True
        self.closed = False
        self.idle_since = 0.0

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if self.waiter is None or (self.waiter.done() and self.reusable):
            self.close()  # bytes no request asked for: the connection cannot be trusted again
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._fail(error)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        waiter = self.waiter
        if waiter is None or waiter.done():
            return
        answer = self.answer
        headers = answer.headers
        if answer.status >= 200 and not {"content-length", "transfer-encoding"} & headers.keys():
            self._finish()  # an answer whose body ends with the connection
        else:
            waiter.set_exception(Disconnected())

    # httptools
    def on_header(self, name: bytes, value: bytes) -> None:
        self.answer.headers[name.decode("latin-1").lower()] = value.decode(
            "utf-8", "surrogateescape"
        )

    def on_headers_complete(self) -> None:
        self.answer.status = self.parser.get_status_code()
        self.answer.encoded = self.answer.headers.get("content-encoding", "identity") != "identity"

    def on_body(self, chunk: bytes) -> None:
        answer = self.answer
        limit = ENCODED_LIMIT if answer.encoded else RESPONSE_BODY_LIMIT
        if len(answer.body) < limit:
            answer.body += chunk[: limit - len(answer.body)]
        if len(answer.body) >= limit and answer.status >= 200:
            # As much as is kept: the rest is not waited for, and the connection not reused.
            self.reusable = False
            self._finish()

    def on_message_complete(self) -> None:
        if self.answer.status < 200:  # 1xx: the answer is still to come
            self.answer = _Answer()
            return
        if self.waiter is None or self.waiter.done():  # an answer no request asked for
            self.reusable = False
            return
        self.reusable = self.reusable and self.parser.should_keep_alive()
        self._finish()

    def _finish(self) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(self.answer)
        self.answer = _Answer()  # what follows belongs to no request

    def _fail(self, error: BaseException) -> None:
        self.reusable = False
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(error)
        if self.transport is not None:
            self.transport.close()

    def exchange(self, data: bytes) -> "asyncio.Future[_Answer]":
        assert self.transport is not None
        self.answer = _Answer()
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(data)
        return self.waiter

    def close(self) -> None:
        self.reusable = False
        if self.transport is not None:
            self.transport.close()


_Origin = tuple[str, str, int]  # scheme, host, port
_AddrInfo = tuple[int, int, int, str, tuple[Any, ...]]  # as socket.getaddrinfo answers


class Http1Sender:
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
        self._resolver = resolver or (DefaultResolver() if allow_private else PublicOnlyResolver())
        self._slots = asyncio.Semaphore(max_connections)
        self._idle: defaultdict[_Origin, list[_Connection]] = defaultdict(list)
        self._addresses: dict[tuple[str, int], tuple[float, list[_AddrInfo]]] = {}
        self._targets: dict[str, tuple[_Origin, bytes]] = {}
        self._tls = ssl.create_default_context()
        self._tls.set_alpn_protocols(("http/1.1",))
        self._swept = time.monotonic()

    async def __aenter__(self) -> "Http1Sender":
        return self

    async def __aexit__(self, *_exc: object) -> None:
        for connections in self._idle.values():
            for connection in connections:
                connection.close()
        self._idle.clear()
        await self._resolver.close()

    async def send(self, request: Request) -> Result:
        started = time.perf_counter()
        blocked = None if self._allow_private else blocked_literal(request.url)
        if blocked:
            return Result(None, 0, error=f"blocked address: {blocked}")
        try:
            origin, head = self._target(request.url)
        except ValueError:
            return Result(None, 0, error=f"request failed: InvalidUrlClientError: {request.url}")
        data = b"".join((head, _headers(request, len(request.body)), request.body))
        async with self._slots:
            try:
                async with asyncio.timeout(self._timeout):
                    answer = await self._exchange(origin, data)
            except TimeoutError:
                timed_out = f"timeout after {self._timeout:g} s"
                return Result(None, elapsed_ms(started), error=timed_out)
            except Failed as failure:
                return Result(None, elapsed_ms(started), error=str(failure))
            except Exception as error:
                return Result(None, elapsed_ms(started), error=_described(error))
        return answered(
            answer.status,
            _decoded(answer),
            answer.headers.get("location", "?"),
            answer.headers.get("retry-after"),
            elapsed_ms(started),
        )

    def _target(self, url: str) -> tuple[_Origin, bytes]:
        """The origin and the request line with Host and User-Agent, made once per URL."""
        known = self._targets.get(url)
        if known is None:
            parsed = URL(url)
            if parsed.scheme not in ("http", "https") or not parsed.raw_host:
                raise ValueError(url)
            origin = (parsed.scheme, parsed.raw_host, parsed.port or 0)
            head = (
                f"POST {parsed.raw_path_qs} HTTP/1.1\r\nHost: {parsed.host_port_subcomponent}\r\n"
                f"User-Agent: {self._user_agent}\r\n"
            ).encode("latin-1")
            if len(self._targets) > 10_000:
                self._targets.clear()
            known = self._targets[url] = (origin, head)
        return known

    async def _exchange(self, origin: _Origin, data: bytes) -> _Answer:
        connection = self._idle_connection(origin) or await self._connect(origin)
        try:
            answer = await connection.exchange(data)
        except BaseException:
            connection.close()
            raise
        if connection.reusable and not connection.closed:
            connection.idle_since = time.monotonic()
            self._idle[origin].append(connection)
        else:
            connection.close()
        return answer

    def _idle_connection(self, origin: _Origin) -> _Connection | None:
        now = time.monotonic()
        if now - self._swept > IDLE_SECONDS:
            self._sweep(now)
        idle = self._idle.get(origin)
        while idle:
            connection = idle.pop()
            if not connection.closed and now - connection.idle_since < IDLE_SECONDS:
                return connection
            connection.close()
        return None

    def _sweep(self, now: float) -> None:
        self._swept = now
        for origin, idle in list(self._idle.items()):
            kept = [c for c in idle if not c.closed and now - c.idle_since < IDLE_SECONDS]
            for connection in idle:
                if connection not in kept:
                    connection.close()
            if kept:
                self._idle[origin] = kept
            else:
                del self._idle[origin]

    async def _connect(self, origin: _Origin) -> _Connection:
        scheme, host, port = origin
        tls = self._tls if scheme == "https" else None
        addresses = await self._resolved(host, port)
        try:
            # As aiohttp connects: the addresses tried a quarter second apart (happy eyeballs).
            sock = await aiohappyeyeballs.start_connection(
                addresses, happy_eyeballs_delay=0.25, interleave=1
            )
        except OSError as error:
            raise Failed(f"connection failed: {_cannot_connect(host, port, error)}") from error
        loop = asyncio.get_running_loop()
        try:
            _transport, connection = await loop.create_connection(
                _Connection,
                sock=sock,
                ssl=tls,
                # A certificate names the host without the trailing dot of a fully qualified name.
                server_hostname=host.rstrip(".") if tls else None,
            )
        except BaseException as error:
            sock.close()
            if isinstance(error, ssl.CertificateError):  # aiohttp's ClientConnectorCertificateError
                reason = f"ssl:True [{type(error).__name__}: {error.args}]"
                raise Failed(f"TLS error: Cannot connect to host {host}:{port} {reason}") from error
            if isinstance(error, ssl.SSLError):
                raise Failed(f"TLS error: {_cannot_connect(host, port, error)}") from error
            if isinstance(error, OSError):
                raise Failed(f"connection failed: {_cannot_connect(host, port, error)}") from error
            raise
        return connection

    async def _resolved(self, host: str, port: int) -> list[_AddrInfo]:
        """The addresses to connect to, as aiohttp makes them: an IP literal as it is (checked by
        `blocked_literal`), a name through the resolver, kept `DNS_SECONDS`."""
        if _is_ip_literal(host):
            return [_addr_info(host, port)]
        now = time.monotonic()
        cached = self._addresses.get((host, port))
        if cached is not None and cached[0] > now:
            return cached[1]
        try:
            results = await self._resolver.resolve(host, port, family=socket.AF_UNSPEC)
        except BlockedAddress as error:
            raise Failed(f"blocked address: {error}") from error
        except OSError as error:
            raise Failed(f"DNS lookup failed: {host}") from error
        addresses = [_addr_info(r["host"], r["port"]) for r in results]
        if len(self._addresses) > 10_000:
            self._addresses.clear()
        self._addresses[host, port] = (now + DNS_SECONDS, addresses)
        return addresses


def _addr_info(host: str, port: int) -> _AddrInfo:
    if ":" in host:
        return (socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (host, port, 0, 0))
    return (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (host, port))


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class Failed(Exception):
    """A failure already in the words of sender.py's tree."""


def _headers(request: Request, length: int) -> bytes:
    lines = [f"{name}: {value}\r\n" for name, value in request.headers.items()]
    lines.append(f"Content-Length: {length}\r\n\r\n")
    return "".join(lines).encode("utf-8")


def _cannot_connect(host: str, port: int, error: OSError) -> str:
    """In aiohttp's words (ClientConnectorError), which attempts stored before this client."""
    return f"Cannot connect to host {host}:{port} ssl:default [{error.strerror or error}]"


def _described(error: BaseException) -> str:
    if isinstance(error, ConnectionError):
        return f"connection failed: {error}"
    return f"request failed: {type(error).__name__}: {error}"


def _decoded(answer: _Answer) -> bytes:
    body = bytes(answer.body)
    if not answer.encoded:
        return body
    encoding = answer.headers.get("content-encoding", "").strip().lower()
    try:
        if encoding in ("gzip", "x-gzip"):
            return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(body, RESPONSE_BODY_LIMIT)
        if encoding == "deflate":
            return zlib.decompressobj().decompress(body, RESPONSE_BODY_LIMIT)
    except zlib.error:
        return body[:RESPONSE_BODY_LIMIT]
    return body[:RESPONSE_BODY_LIMIT]

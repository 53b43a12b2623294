"""Handing messages to SMTP servers with aiosmtplib over kept-open connections, at most
`CONNECTIONS_PER_SERVER` to each server: a burst of notifications is a few connections, not one per
message, and a server slow to answer each message (a content filter, a relay far away) is not
waited on one message at a time.

Each send ends in an `Answer`: `sent`, `retry` (a 4xx answer, no connection, a timeout: the
message goes out later) or `failed` (a 5xx answer: the server refuses it for good). It ends within
the sender's `timeout`, the wait for a free connection included: the dispatcher's lease on the
message covers that long, and a send that outlived it would go out twice."""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Literal

import aiosmtplib

from hookdesk.net.mailurls import MailUrl

DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
MAX_ANSWER = 2000


@dataclass(frozen=True)
class Answer:
    outcome: Literal["sent", "retry", "failed"]
    response: str  # the server's words, or what went wrong on the way


# Exchange Online takes at most three connections at once from one mailbox, and answers every one
# of them `432 4.3.2 Concurrent connections limit exceeded` when there are more; three keep a server
# that takes tens of milliseconds per message busy at over a hundred messages a second.
CONNECTIONS_PER_SERVER = 3


@dataclass
class _Server:
    """One server's connections (`opened`), those of them not sending now (`idle`), and a slot
    for each that may be."""

    opened: list[aiosmtplib.SMTP]
    idle: list[aiosmtplib.SMTP]
    slots: asyncio.Semaphore

    def take(self, make: Callable[[], aiosmtplib.SMTP]) -> aiosmtplib.SMTP:
        """The connection used last (so that under light load one is kept warm), else a new one."""
        if self.idle:
            return self.idle.pop()
        self.opened.append(make())
        return self.opened[-1]


class SmtpSender:
    """Sends messages, reusing connections to each server (URL, user and password) while they
    last. A connection carries one message at a time, as SMTP requires; a server gets up to
    `connections_per_server` at once, opened only when every open one is busy."""

    def __init__(
        self, *, timeout: float = 30.0, connections_per_server: int = CONNECTIONS_PER_SERVER
    ) -> None:
        self._timeout = timeout
        self._per_server = connections_per_server
        self._servers: dict[tuple[object, ...], _Server] = {}

    @property
    def connections_per_server(self) -> int:
        return self._per_server

    async def send(self, server: MailUrl, message: EmailMessage, *, sender: str, to: str) -> Answer:
        try:
            async with asyncio.timeout(self._timeout):
                return await self._send_pooled(server, message, sender, to)
        except TimeoutError:
            return Answer("retry", f"TimeoutError: not sent within {self._timeout:g} seconds")

    async def _send_pooled(
        self, server: MailUrl, message: EmailMessage, sender: str, to: str
    ) -> Answer:
        pool = self._pool(server)
        async with pool.slots:
            client = pool.take(lambda: self._client(server))
            try:
                return await self._send_on(client, message, sender, to)
            except BaseException:
                # Cut off mid-conversation (the timeout, a shutdown): where the server stands is
                # unknown, so the next send on it starts on a new connection.
                client.close()
                raise
            finally:
                pool.idle.append(client)  # closed after a failure: it connects again when used

    async def _send_on(
        self, client: aiosmtplib.SMTP, message: EmailMessage, sender: str, to: str
    ) -> Answer:
        try:
            return await self._send(client, message, sender, to)
        except (aiosmtplib.SMTPServerDisconnected, ConnectionError):
            # A kept connection the server closed meanwhile: once more on a new one.
            await _close(client)
            try:
                return await self._send(client, message, sender, to)
            except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
                await _close(client)
                return _answer_for(error)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            await _close(client)
            return _answer_for(error)

    async def close(self) -> None:
        for pool in self._servers.values():
            for client in pool.opened:
                await _close(client)
        self._servers.clear()

    async def _send(
        self, client: aiosmtplib.SMTP, message: EmailMessage, sender: str, to: str
    ) -> Answer:
        if not client.is_connected:
            await client.connect()
        refused, response = await client.send_message(message, sender=sender, recipients=[to])
        if refused:
            return _answer_for(next(iter(refused.values())))
        return Answer("sent", response[:MAX_ANSWER])

    def _pool(self, server: MailUrl) -> _Server:
        key = (server.scheme, server.host, server.port, server.username, server.password)
        found = self._servers.get(key)
        if found is None:
            found = _Server([], [], asyncio.Semaphore(self._per_server))
            self._servers[key] = found
        return found

    def _client(self, server: MailUrl) -> aiosmtplib.SMTP:
        return aiosmtplib.SMTP(
            hostname=server.host,
            port=server.port or DEFAULT_PORTS[server.scheme],
            username=server.username,
            password=server.password,
            use_tls=server.implicit_tls,
            start_tls=None,  # STARTTLS when the server offers it
            timeout=self._timeout,
        )


def _answer_for(error: object) -> Answer:
    code = getattr(error, "code", None)
    words = getattr(error, "message", None) or str(error) or type(error).__name__
    if isinstance(code, int) and 500 <= code < 600:
        return Answer("failed", f"{code} {words}"[:MAX_ANSWER])
    if isinstance(code, int) and code > 0:
        return Answer("retry", f"{code} {words}"[:MAX_ANSWER])
    return Answer("retry", f"{type(error).__name__}: {words}"[:MAX_ANSWER])


async def _close(client: aiosmtplib.SMTP) -> None:
    if client.is_connected:
        try:
            await client.quit()
        except (aiosmtplib.SMTPException, OSError, TimeoutError):
            client.close()

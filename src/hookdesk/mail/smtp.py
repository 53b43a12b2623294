"""Handing messages to SMTP servers with aiosmtplib, one kept-open connection per server, so a
burst of notifications is one connection, not one per message.

Each send ends in an `Answer`: `sent`, `retry` (a 4xx answer, no connection, a timeout: the
message goes out later) or `failed` (a 5xx answer: the server refuses it for good)."""

import asyncio
from dataclasses import dataclass, field
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


@dataclass
class _Connection:
    client: aiosmtplib.SMTP
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class SmtpSender:
    """Sends messages, reusing one connection per server (URL, user and password) while it lasts.
    Messages to one server go one after the other on its connection, as SMTP requires."""

    def __init__(self, *, timeout: float = 30.0) -> None:
        self._timeout = timeout
        self._connections: dict[tuple[object, ...], _Connection] = {}

    async def send(self, server: MailUrl, message: EmailMessage, *, sender: str, to: str) -> Answer:
        connection = self._connection(server)
        async with connection.lock:
            try:
                return await self._send(connection.client, message, sender, to)
            except (aiosmtplib.SMTPServerDisconnected, ConnectionError):
                # A kept connection the server closed meanwhile: once more on a new one.
                await _close(connection.client)
                try:
                    return await self._send(connection.client, message, sender, to)
                except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
                    await _close(connection.client)
                    return _answer_for(error)
            except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
                await _close(connection.client)
                return _answer_for(error)

    async def close(self) -> None:
        for connection in self._connections.values():
            await _close(connection.client)
        self._connections.clear()

    async def _send(
        self, client: aiosmtplib.SMTP, message: EmailMessage, sender: str, to: str
    ) -> Answer:
        if not client.is_connected:
            await client.connect()
        refused, response = await client.send_message(message, sender=sender, recipients=[to])
        if refused:
            return _answer_for(next(iter(refused.values())))
        return Answer("sent", response[:MAX_ANSWER])

    def _connection(self, server: MailUrl) -> _Connection:
        key = (server.scheme, server.host, server.port, server.username, server.password)
        found = self._connections.get(key)
        if found is None:
            found = _Connection(self._client(server))
            self._connections[key] = found
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

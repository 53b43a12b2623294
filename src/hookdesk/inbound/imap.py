"""Reading the accounts' IMAP mailboxes: each unseen message is applied, and only once its change
committed is it marked \\Seen, so a crash in between fetches it again (and its Message-ID, already
recorded, keeps it from being applied twice). IDLE waits for new mail where the server offers it;
otherwise the mailbox is polled. A lost connection is opened again after a growing pause."""

import asyncio
import contextlib
import os
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aioimaplib
import structlog
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from hookdesk.config import Settings
from hookdesk.db import Database
from hookdesk.inbound import leases
from hookdesk.inbound.apply import Outcome, apply
from hookdesk.mail import settings as mail_settings
from hookdesk.models.mail import MailSettings
from hookdesk.net.mailurls import MailUrl
from hookdesk.shared.secretbox import SecretBox, UnreadableSecret

log = structlog.get_logger("hookdesk.inbound")
DEFAULT_PORTS = {"imap": 143, "imaps": 993}
IDLE_SECONDS = 300.0  # servers end an IDLE after 30 minutes; renewed well before
MAX_PAUSE = 60.0


class ImapFailure(Exception):
    """The server answered a command with NO or BAD."""


@dataclass(frozen=True)
class Mailbox:
    account_id: str
    url: MailUrl  # with its password


Applier = Callable[[str, bytes], Awaitable[Outcome]]


class MailboxReader:
    def __init__(self, mailbox: Mailbox, apply_message: Applier, *, poll_interval: float) -> None:
        self.mailbox = mailbox
        self._apply = apply_message
        self._poll_interval = poll_interval
        self._pause = 1.0

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self._read(stop)
            except (OSError, TimeoutError, ImapFailure, aioimaplib.AioImapException) as error:
                log.warning(
                    "mailbox unreachable",
                    account_id=self.mailbox.account_id,
                    host=self.mailbox.url.host,
                    error=str(error) or type(error).__name__,
                    retry_in=self._pause,
                )
            except SQLAlchemyError as error:  # the database is away: the message waits unseen
                log.warning(
                    "mail not applied",
                    account_id=self.mailbox.account_id,
                    error=type(error).__name__,
                    retry_in=self._pause,
                )
            else:
                continue
            await _sleep(stop, self._pause)
            self._pause = min(self._pause * 2, MAX_PAUSE)

    async def _read(self, stop: asyncio.Event) -> None:
        client = await self._connect()
        self._pause = 1.0  # reached: the next trouble starts with a short pause again
        try:
            while not stop.is_set():
                if not await self._apply_unseen(client):
                    await self._wait_for_mail(client, stop)
        finally:
            await _logout(client)

    async def _connect(self) -> aioimaplib.IMAP4:
        url = self.mailbox.url
        port = url.port or DEFAULT_PORTS[url.scheme]
        client: aioimaplib.IMAP4
        if url.implicit_tls:
            client = aioimaplib.IMAP4_SSL(url.host, port, timeout=30)
        else:
            client = aioimaplib.IMAP4(url.host, port, timeout=30)
        await client.wait_hello_from_server()
        _ok(await client.login(url.username or "", url.password or ""))
        _ok(await client.select(url.folder or "INBOX"))
        return client

    async def _apply_unseen(self, client: aioimaplib.IMAP4) -> bool:
        """Apply the unseen messages; True when more mail arrived meanwhile (the server said so
        in the answer to one of these commands, so IDLE would not tell it again)."""
        found = _ok(await client.uid_search("UNSEEN"))
        arrived = _mentions_new_mail(found)
        for uid in found.lines[0].split():
            fetched = _ok(await client.uid("fetch", uid.decode(), "(BODY.PEEK[])"))
            raw = next((bytes(line) for line in fetched.lines if isinstance(line, bytearray)), None)
            if raw is None:
                continue  # gone meanwhile (expunged by another client)
            outcome = await self._apply(self.mailbox.account_id, raw)
            # Only now, the change committed: a crash before this line fetches it again.
            stored = _ok(await client.uid("store", uid.decode(), "+FLAGS", "(\\Seen)"))
            arrived |= _mentions_new_mail(fetched) or _mentions_new_mail(stored)
            log.info(
                "mail received",
                account_id=self.mailbox.account_id,
                action=outcome.action,
                reason=outcome.reason,
            )
        return arrived

    async def _wait_for_mail(self, client: aioimaplib.IMAP4, stop: asyncio.Event) -> None:
        if not client.has_capability("IDLE"):
            await _sleep(stop, self._poll_interval)
            return
        # Renewed at least every poll interval: a notice of new mail that went astray costs no
        # more than a poll.
        seconds = min(IDLE_SECONDS, self._poll_interval)
        idle = await client.idle_start(timeout=seconds)
        pushed = asyncio.ensure_future(client.wait_server_push(timeout=seconds))
        stopped = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({pushed, stopped}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopped.cancel()
            if client.has_pending_idle():
                client.idle_done()
            await asyncio.wait_for(idle, timeout=30)
            pushed.cancel()
            if pushed.done() and not pushed.cancelled():
                pushed.exception()  # a quiet IDLE ends in a timeout: expected, not an error


def _mentions_new_mail(response: aioimaplib.Response) -> bool:
    return any(bytes(line).endswith(b" EXISTS") for line in response.lines)


def _ok(response: aioimaplib.Response) -> aioimaplib.Response:
    if response.result != "OK":
        words = b" ".join(bytes(line) for line in response.lines[-1:]).decode(errors="replace")
        raise ImapFailure(f"{response.result} {words}")
    return response


async def _logout(client: aioimaplib.IMAP4) -> None:
    with contextlib.suppress(OSError, TimeoutError, aioimaplib.Abort, aioimaplib.CommandTimeout):
        await asyncio.wait_for(client.logout(), timeout=5)


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


def mailboxes(database: Database, box: SecretBox) -> list[Mailbox]:
    """Every account's mailbox to read, passwords opened."""
    with database.read() as session:
        rows = session.execute(
            select(MailSettings.account_id, MailSettings.imap_url, MailSettings.imap_password)
            .where(MailSettings.imap_url.is_not(None))
            .order_by(MailSettings.account_id)
        ).all()
    found = []
    for account_id, imap_url, sealed in rows:
        try:
            url = mail_settings.opened_url(imap_url, sealed, box)
        except UnreadableSecret:
            log.error("mailbox password unreadable", account_id=account_id)
            continue
        if url is not None:
            found.append(Mailbox(account_id, url))
    return found


class Readers:
    """The readers of the mailboxes this dispatcher holds (`inbound/leases.py`): every third of a
    lease, the accounts' mailboxes are looked up again and their leases taken or renewed; a reader
    starts for each mailbox held and stops for one lost, gone or changed."""

    def __init__(self, database: Database, settings: Settings, box: SecretBox) -> None:
        # Its process id first: who reads a mailbox is found from its lease row.
        self.holder = f"{os.getpid()}.{secrets.token_hex(8)}"
        self._database = database
        self._settings = settings
        self._box = box
        self._running: dict[Mailbox, tuple[asyncio.Event, asyncio.Task[None]]] = {}

    @property
    def reading(self) -> set[str]:
        """The accounts whose mailbox this dispatcher reads now."""
        return {mailbox.account_id for mailbox in self._running}

    async def run(self, stop: asyncio.Event) -> None:
        """Read until `stop`, then hand the mailboxes back for another dispatcher to take."""
        look_every = min(self._settings.imap_poll_interval, self._settings.imap_lease / 3)
        try:
            while not stop.is_set():
                await self._look()
                await _sleep(stop, look_every)
        finally:
            await self._stop(set(self._running))
            with contextlib.suppress(SQLAlchemyError):
                await asyncio.to_thread(self._release)

    async def _look(self) -> None:
        try:
            held = await asyncio.to_thread(self._held)
        except SQLAlchemyError as error:
            # Its leases not renewed, this dispatcher may no longer be the one reading: it stops
            # until the database answers again (its readers could apply nothing meanwhile).
            log.warning("mailbox leases not renewed", error=type(error).__name__)
            held = set()
        ended = {mailbox for mailbox, (_e, task) in self._running.items() if task.done()}
        await self._stop((set(self._running) - held) | ended)
        for mailbox in held - set(self._running):
            self._start(mailbox)

    def _held(self) -> set[Mailbox]:
        found = mailboxes(self._database, self._box)
        with self._database.write() as session:
            held = leases.hold(
                session,
                (mailbox.account_id for mailbox in found),
                holder=self.holder,
                now=time.time(),
                seconds=self._settings.imap_lease,
            )
        return {mailbox for mailbox in found if mailbox.account_id in held}

    def _release(self) -> None:
        with self._database.write() as session:
            leases.release(session, holder=self.holder)

    def _start(self, mailbox: Mailbox) -> None:
        ended = asyncio.Event()
        reader = MailboxReader(
            mailbox, self._apply, poll_interval=self._settings.imap_poll_interval
        )
        self._running[mailbox] = (ended, asyncio.create_task(reader.run(ended)))

    async def _stop(self, mailboxes: set[Mailbox]) -> None:
        stopping = [self._running.pop(mailbox) for mailbox in mailboxes]
        for ended, _task in stopping:
            ended.set()
        await asyncio.gather(*(task for _ended, task in stopping), return_exceptions=True)

    async def _apply(self, account_id: str, raw: bytes) -> Outcome:
        return await asyncio.to_thread(
            apply, self._database, self._settings, account_id=account_id, raw=raw
        )


async def read_mailboxes(
    database: Database,
    settings: Settings,
    box: SecretBox,
    stop: asyncio.Event,
) -> None:
    """Read the mailboxes this dispatcher holds until `stop`."""
    await Readers(database, settings, box).run(stop)

"""One reader per mailbox: of two dispatchers, one holds the mailbox's lease and reads it, the other
waits; when the holder stops, or its lease runs out, the other takes the mailbox over."""

import asyncio
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from hookdesk.config import Settings
from hookdesk.db import Database
from hookdesk.inbound import leases
from hookdesk.inbound.imap import Readers
from hookdesk.mail import settings as mail_settings
from hookdesk.mail.schemas import MailSettingsUpdate
from hookdesk.models.mail import MailboxLease, MailMessage
from hookdesk.models.tickets import Ticket
from hookdesk.shared.secretbox import SecretBox
from tests.mail import messages as mails
from tests.mail.imap_server import ImapServer
from tests.support.acting import api_key_acting
from tests.support.api import Api


def test_a_lease_is_held_by_one_until_it_runs_out_or_is_released(api: Api) -> None:
    account = api.account_id

    def hold(holder: str, now: float) -> set[str]:
        with api.db.write() as session:
            return leases.hold(session, [account], holder=holder, now=now, seconds=30)

    assert hold("a", now=1000) == {account}
    assert hold("b", now=1010) == set()  # a holds it until 1030
    assert hold("a", now=1020) == {account}  # renewed, until 1050
    assert hold("b", now=1040) == set()
    assert hold("b", now=1051) == {account}  # a let it run out
    assert hold("a", now=1052) == set()
    with api.db.write() as session:
        leases.release(session, holder="b")
    assert hold("a", now=1053) == {account}


@pytest.mark.slow  # a process of its own
def test_two_dispatchers_read_one_mailbox_one_at_a_time(
    api: Api, settings: Settings, imap_server: ImapServer
) -> None:
    api.category()
    assert settings.secret_key is not None
    box = SecretBox(settings.secret_key)
    with api.db.write() as session:
        acting = api_key_acting(api.account_id, box)
        mail_settings.update(session, acting, MailSettingsUpdate(imap_url=imap_server.url()))
    fast = settings.model_copy(update={"imap_poll_interval": 0.2, "imap_lease": 0.6})
    asyncio.run(_two_readers(api.db, fast, box, api, imap_server))


async def _two_readers(
    db: Database, settings: Settings, box: SecretBox, api: Api, imap_server: ImapServer
) -> None:
    both = [Readers(db, settings, box), Readers(db, settings, box)]
    stops = [asyncio.Event(), asyncio.Event()]
    tasks = [
        asyncio.create_task(readers.run(stop)) for readers, stop in zip(both, stops, strict=True)
    ]
    try:
        await until(lambda: set().union(*(r.reading for r in both)) == {api.account_id}, "a reader")
        held = 0 if both[0].reading else 1
        holder, standby = both[held], both[1 - held]
        for n in range(10):
            await deliver(imap_server, f"Question {n}")
        await until(lambda: counts(db) == (10, 10, 10), "ten messages applied once")
        assert standby.reading == set() and lease_holder(db) == holder.holder

        stops[held].set()
        await asyncio.wait_for(tasks[held], timeout=60)
        await until(lambda: standby.reading == {api.account_id}, "the other taking over")
        assert lease_holder(db) == standby.holder
        for n in range(10, 15):
            await deliver(imap_server, f"Question {n}")
        await until(lambda: counts(db) == (15, 15, 15), "the rest applied once by the other")
    finally:
        for stop in stops:
            stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=60)
    assert lease_holder(db) is None  # both stopped: handed back


async def deliver(imap_server: ImapServer, subject: str) -> None:
    await asyncio.to_thread(imap_server.append, mails.message(subject=subject))


async def until(done: Callable[[], bool], what: str, timeout: float = 60) -> None:
    for _ in range(int(timeout / 0.05)):
        if await asyncio.to_thread(done):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"waited {timeout} s for {what}")


def counts(db: Database) -> tuple[int, int, int]:
    """Inbound records, distinct Message-IDs among them, tickets."""
    with db.read() as session:
        inbound = MailMessage.direction == "inbound"
        return (
            session.scalar(select(func.count()).where(inbound)) or 0,
            session.scalar(select(func.count(func.distinct(MailMessage.message_id))).where(inbound))
            or 0,
            session.scalar(select(func.count()).select_from(Ticket)) or 0,
        )


def lease_holder(db: Database) -> str | None:
    with db.read() as session:
        return session.scalar(select(MailboxLease.holder))

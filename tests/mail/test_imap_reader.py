"""The IMAP reader against a private Dovecot, applying through a stand-in for the database: a
message whose change could not be committed stays unseen and is applied on the next try."""

import asyncio

import pytest
from sqlalchemy.exc import OperationalError

from hookdesk.inbound.apply import Outcome
from hookdesk.inbound.imap import Mailbox, MailboxReader
from hookdesk.net import mailurls as urls
from tests.mail import messages as mails
from tests.mail.imap_server import ImapServer

pytestmark = pytest.mark.slow  # starts processes of its own


async def test_a_message_not_committed_stays_unseen_and_is_applied_later(
    imap_server: ImapServer,
) -> None:
    imap_server.append(mails.message(message_id="<later@mail.example.com>"))
    calls: list[bool] = []  # whether the mailbox showed the message seen when it was applied
    done = asyncio.Event()

    async def apply_message(account_id: str, raw: bytes) -> Outcome:
        calls.append(any("\\Seen" in flags for flags in await asyncio.to_thread(imap_server.flags)))
        if len(calls) == 1:
            raise OperationalError("INSERT", {}, Exception("the database is away"))
        done.set()
        return Outcome("created")

    url = urls.parse(imap_server.url(), schemes=urls.READING)
    reader = MailboxReader(Mailbox("account", url), apply_message, poll_interval=0.2)
    stop = asyncio.Event()
    task = asyncio.create_task(reader.run(stop))
    await asyncio.wait_for(done.wait(), timeout=30)
    while not all("\\Seen" in flags for flags in await asyncio.to_thread(imap_server.flags)):
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, timeout=30)
    assert calls == [False, False]  # not marked after the failure, applied again

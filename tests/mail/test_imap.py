"""IMAP polling against a private Dovecot: a message delivered to the mailbox becomes a ticket or a
reply, is marked seen only once applied, and reading goes on after the server restarts."""

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hookdesk.app import create_app
from hookdesk.config import Settings
from hookdesk.db import Database
from hookdesk.models.clients import Client
from hookdesk.models.mail import MailMessage
from hookdesk.models.tickets import Reply, Ticket
from tests.mail import messages as mails
from tests.mail.imap_server import ImapServer
from tests.support.api import Api, new_account
from tests.support.waiting import wait_until

pytestmark = pytest.mark.slow  # starts processes of its own


@pytest.fixture
def reading(live_settings: Settings, db: Database, imap_server: ImapServer) -> Iterator[Api]:
    """An account whose mailbox is the private Dovecot's, on an app that runs the dispatcher."""
    settings = live_settings.model_copy(update={"imap_poll_interval": 0.2})
    with TestClient(create_app(settings, db, run_dispatcher=True)) as client:
        api = new_account(client, db, "Mail Agency")
        api.category()
        api.ok(api.post("/v2/agency/mail/update", {"imap_url": imap_server.url()}), "mail_settings")
        yield api


def count(db: Database, model: type, **where: object) -> int:
    with db.read() as session:
        statement = select(func.count()).select_from(model)
        for name, value in where.items():
            statement = statement.where(getattr(model, name) == value)
        return session.scalar(statement) or 0


def seen(imap_server: ImapServer) -> list[bool]:
    return ["\\Seen" in flags for flags in imap_server.flags()]


def test_delivered_mail_becomes_a_ticket_then_a_reply(
    reading: Api, imap_server: ImapServer
) -> None:
    imap_server.append(mails.message(message_id="<first@mail.example.com>"))
    wait_until(lambda: count(reading.db, Ticket), lambda n: n == 1, "the ticket")
    wait_until(lambda: seen(imap_server), lambda flags: flags == [True], "the message marked seen")
    # The reader now waits in IDLE: the next message is pushed to it.
    imap_server.append(
        mails.gmail_reply("Any news?", "Hello", in_reply_to="<first@mail.example.com>")
    )
    wait_until(
        lambda: count(reading.db, Reply, is_client_reply=True), lambda n: n == 2, "the reply"
    )
    wait_until(lambda: seen(imap_server), lambda flags: flags == [True, True], "both seen")
    assert [e.event_type for e in reading.events()] == [
        "whitelabel.ticket.created",
        "whitelabel.ticket.updated",
    ]


def test_a_message_delivered_twice_is_applied_once(reading: Api, imap_server: ImapServer) -> None:
    twice = mails.message(message_id="<twice@mail.example.com>")
    imap_server.append(twice)
    imap_server.append(twice)
    wait_until(lambda: seen(imap_server), lambda flags: flags == [True, True], "both seen")
    assert count(reading.db, Ticket) == 1
    assert count(reading.db, MailMessage, direction="inbound") == 1


def test_ignored_mail_is_recorded_and_marked_seen(reading: Api, imap_server: ImapServer) -> None:
    imap_server.append(mails.auto_reply())
    wait_until(lambda: seen(imap_server), lambda flags: flags == [True], "the message seen")
    [record] = reading.get("/v2/agency/mail/messages/list", direction="inbound").json()[
        "mail_messages"
    ]
    assert record["status"] == "ignored" and "automatic reply" in record["reason"]
    assert count(reading.db, Ticket) == 0


def test_reading_goes_on_after_the_server_restarts(reading: Api, imap_server: ImapServer) -> None:
    imap_server.append(mails.message(subject="before"))
    wait_until(lambda: count(reading.db, Ticket), lambda n: n == 1, "the first ticket")
    imap_server.stop()
    time.sleep(0.5)  # the reader loses its connection and waits to try again
    imap_server.start()
    imap_server.append(mails.message(subject="after"))
    wait_until(
        lambda: count(reading.db, Ticket),
        lambda n: n == 2,
        "the ticket after the restart",
        timeout=30,
    )


def test_hostile_mail_read_by_imap_is_ignored_with_its_reason_or_makes_a_whole_ticket(
    reading: Api, imap_server: ImapServer
) -> None:
    hostile = [*mails.HOSTILE, (mails.thirty_megabytes, "ignored", "over the limit of 26214400")]
    for build, _action, _reason in hostile:
        imap_server.append(build())
    wait_until(lambda: seen(imap_server), lambda flags: flags == [True] * len(hostile), "all seen")
    records = reading.get("/v2/agency/mail/messages/list", direction="inbound").json()[
        "mail_messages"
    ]
    reasons = sorted(record["reason"] or "" for record in records)
    expected = [reason for _build, _action, reason in hostile]
    assert len(reasons) == len(hostile)
    for wanted in filter(None, expected):
        assert any(wanted in reason for reason in reasons), (wanted, reasons)
    created = expected.count(None)
    assert [r["status"] for r in records].count("applied") == created
    # Nothing half-made: a ticket, its client and its first reply for each one applied, no more.
    assert count(reading.db, Ticket) == count(reading.db, Client) == count(reading.db, Reply)
    assert count(reading.db, Ticket) == created

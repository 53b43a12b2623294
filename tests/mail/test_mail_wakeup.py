"""Queueing a notification wakes a mail dispatcher that no longer polls, as a webhook delivery
does: in this process by the commit's signal, in another by NOTIFY (PostgreSQL)."""

import asyncio

import pytest

from hookdesk.config import Settings
from hookdesk.db import Database
from hookdesk.mail.channel import MailChannel
from hookdesk.mail.smtp import SmtpSender
from hookdesk.shared.secretbox import SecretBox
from hookdesk.webhooks.dispatch import dispatcher as dispatching
from hookdesk.webhooks.dispatch.dispatcher import Dispatcher, DispatchLimits
from tests.mail.smtp_server import SmtpServer
from tests.support.api import Api

LIMITS = DispatchLimits(10, 10, batch=50, lease_seconds=60, shutdown_timeout=5, start_within=30)


@pytest.fixture
def only_wakeups(monkeypatch: pytest.MonkeyPatch) -> None:
    """No periodic look for due messages: only a wake-up makes the dispatcher claim."""
    monkeypatch.setattr(dispatching, "IDLE_POLL", 3600.0)


async def sends_after_each_ticket(
    database: Database, settings: Settings, api: Api, smtp_server: SmtpServer
) -> None:
    assert settings.secret_key
    mail_settings = settings.model_copy(
        update={"smtp_url": smtp_server.url, "mail_from": "Acme <support@acme.example>"}
    )
    smtp = SmtpSender(timeout=5)
    channel = MailChannel(database, smtp, mail_settings, SecretBox(settings.secret_key), (60.0,))
    stop = asyncio.Event()
    task = asyncio.create_task(Dispatcher(database, [channel], limits=LIMITS).run(stop))
    try:
        for count in (1, 2):
            await asyncio.to_thread(api.ticket, client_id=api.client()["id"])
            await asyncio.to_thread(smtp_server.wait_for, count)
    finally:
        stop.set()
        await task
        await smtp.close()


async def test_a_commit_in_this_process_wakes_the_mail_dispatcher(
    db: Database, settings: Settings, api: Api, smtp_server: SmtpServer, only_wakeups: None
) -> None:
    await sends_after_each_ticket(db, settings, api, smtp_server)


async def test_a_commit_elsewhere_wakes_the_mail_dispatcher_by_notify(
    db: Database, settings: Settings, api: Api, smtp_server: SmtpServer, only_wakeups: None
) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite has no NOTIFY: a dispatcher elsewhere finds work by its periodic look")
    elsewhere = Database(db.url)  # no in-process signal from the API's commits reaches it
    try:
        await sends_after_each_ticket(elsewhere, settings, api, smtp_server)
    finally:
        elsewhere.dispose()

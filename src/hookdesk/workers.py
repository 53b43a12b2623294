"""Running a dispatcher: inside `hookdesk serve`, or alone as `hookdesk dispatcher`."""

import asyncio
import signal
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from aiohttp.abc import AbstractResolver

from hookdesk.config import Settings
from hookdesk.db import Database
from hookdesk.db.wakeup import DISPATCH, Wake
from hookdesk.inbound.imap import read_mailboxes
from hookdesk.mail.channel import MailChannel
from hookdesk.mail.smtp import SmtpSender
from hookdesk.operations.instruments import DispatcherMeter
from hookdesk.retention.periodic import purge_periodically
from hookdesk.shared.secretbox import SecretBox
from hookdesk.tickets.search_index import index_periodically
from hookdesk.webhooks.dispatch.dispatcher import Dispatcher, DispatchLimits
from hookdesk.webhooks.dispatch.heartbeat import keep_beating
from hookdesk.webhooks.dispatch.http1 import Http1Sender
from hookdesk.webhooks.dispatch.prepare import USER_AGENT, Preparer
from hookdesk.webhooks.dispatch.record import Policy
from hookdesk.webhooks.dispatch.webhook_channel import WebhookChannel

# Deliveries claimed per transaction when HOOKDESK_DISPATCHER_BATCH is unset. On PostgreSQL one
# dispatcher's rate is about a batch per claim's latency (some 35 ms under load): 512 gave it
# 9-11% more deliveries a second than 200, at 0.89-0.95x the CPU each (30,000 deliveries over 16
# endpoints, bench.scale). SQLite keeps 200: its claim holds the one write lock that the API's
# writes wait for.
DEFAULT_BATCH = {"sqlite": 200, "postgresql": 512}


def limits_from(settings: Settings, database: Database) -> DispatchLimits:
    return DispatchLimits(
        concurrency=settings.dispatcher_concurrency,
        endpoint_concurrency=settings.endpoint_concurrency,
        batch=settings.dispatcher_batch or DEFAULT_BATCH[database.engine.dialect.name],
        lease_seconds=settings.delivery_timeout + settings.lease_margin,
        shutdown_timeout=settings.shutdown_timeout,
        # Half the margin left for recording the attempt once its send has timed out.
        start_within=settings.lease_margin / 2,
    )


@asynccontextmanager
async def running_dispatcher(
    database: Database,
    settings: Settings,
    box: SecretBox,
    *,
    resolver: AbstractResolver | None = None,
    beside_the_api: bool = False,
) -> AsyncIterator[Dispatcher]:
    """A dispatcher of webhook deliveries and mail running in the background until the block
    ends, then stopped gracefully; beside it, its heartbeat (its row in the `dispatchers` table
    kept fresh), the periodic purge of what is older than the retention, the readers of the
    accounts' IMAP mailboxes, and on SQLite the search index's batches of new rows.
    `beside_the_api`: in the API's process (`Dispatcher`'s)."""
    sender = Http1Sender(
        timeout=settings.delivery_timeout,
        allow_private=settings.dev,
        user_agent=USER_AGENT,
        resolver=resolver,
        max_connections=settings.dispatcher_concurrency,
    )
    smtp = SmtpSender(timeout=settings.delivery_timeout)
    async with sender:
        webhooks = WebhookChannel(
            sender, Preparer(box), Policy(settings.retry_schedule, settings.disable_after)
        )
        mail = MailChannel(database, smtp, settings, box, settings.retry_schedule)
        dispatcher = Dispatcher(
            database,
            [webhooks, mail],
            limits=limits_from(settings, database),
            meter=DispatcherMeter(),
            wakes=DISPATCH if settings.smtp_url else DISPATCH & ~Wake.DEFAULT_SERVER_MAIL,
            beside_the_api=beside_the_api,
        )
        stop = asyncio.Event()
        task = asyncio.create_task(dispatcher.run(stop))
        purging = asyncio.create_task(purge_periodically(database, settings, stop))
        reading = asyncio.create_task(read_mailboxes(database, settings, box, stop))
        indexing = asyncio.create_task(index_periodically(database, stop))
        heartbeat = asyncio.create_task(
            keep_beating(database, lambda: dispatcher.in_flight, until=task)
        )
        try:
            yield dispatcher
        finally:
            stop.set()
            try:
                await task
            finally:
                await heartbeat  # it ends with the task, deleting the row
                await purging
                await reading
                await indexing
                await smtp.close()


async def dispatch_until_signalled(database: Database, settings: Settings, box: SecretBox) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stop.set)
    async with running_dispatcher(database, settings, box):
        await stop.wait()
    if database.on_loop is not None:
        await database.on_loop.close()  # the loop's connections, which end with it


def fastest_event_loop() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop when installed (it comes with uvicorn[standard]), as under `hookdesk serve`."""
    try:
        import uvloop  # noqa: PLC0415
    except ImportError:
        return None
    return uvloop.new_event_loop

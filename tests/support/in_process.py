"""The dispatcher run in the test's own process, with a fake sender (`sending.GatedSender`): an
account whose endpoints have events queued, the caps, and the dispatcher running for a block."""

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from cryptography.fernet import Fernet

from hookdesk.accounts import service as accounts
from hookdesk.db import Database
from hookdesk.shared.secretbox import SecretBox
from hookdesk.webhooks.dispatch.dispatcher import Dispatcher, DispatchLimits
from hookdesk.webhooks.dispatch.prepare import Preparer
from hookdesk.webhooks.dispatch.record import Policy
from hookdesk.webhooks.dispatch.webhook_channel import WebhookChannel
from hookdesk.webhooks.endpoints import service as endpoints
from hookdesk.webhooks.endpoints.schemas import EndpointCreate
from hookdesk.webhooks.outbox.emit import emit
from tests.support.acting import api_key_acting
from tests.support.sending import GatedSender
from tests.support.waiting import wait_until

KEY = Fernet.generate_key().decode()
CREATED = "whitelabel.ticket.created"


def limits(
    *,
    concurrency: int = 10,
    per_endpoint: int = 10,
    shutdown: float = 5,
    start_within: float = 30,
    batch: int = 50,
) -> DispatchLimits:
    return DispatchLimits(
        concurrency,
        per_endpoint,
        batch=batch,
        lease_seconds=60,
        shutdown_timeout=shutdown,
        start_within=start_within,
    )


def endpoints_with_events(db: Database, events_per_endpoint: list[int]) -> list[str]:
    """An account with one endpoint per entry, each with that many events queued; their ids."""
    with db.write() as session:
        account_id = accounts.create(session, name="In process").account_id
        acting = api_key_acting(account_id, SecretBox(KEY))
        ids = []
        for n, count in enumerate(events_per_endpoint):
            body = EndpointCreate(url=f"http://receiver-{n}.test/hook", events=[CREATED])
            endpoint, _secret = endpoints.create(session, acting, body)
            ids.append(endpoint.id)
            for _ in range(count):
                emit(
                    session,
                    account_id=account_id,
                    event_type=CREATED,
                    ticket_id=None,
                    data={"n": n},
                    only_endpoint=endpoint.id,
                )
    return ids


@asynccontextmanager
async def running(
    db: Database,
    sender: GatedSender,
    dispatch_limits: DispatchLimits,
    clock: Callable[[], float] = time.time,
    *,
    beside_the_api: bool = False,
) -> AsyncIterator[asyncio.Event]:
    """The dispatcher running until the block ends; the block may stop it earlier."""
    policy = Policy(schedule=(60.0, 60.0), disable_after=86400)
    dispatcher = Dispatcher(
        db,
        [WebhookChannel(sender, Preparer(SecretBox(KEY)), policy)],
        limits=dispatch_limits,
        clock=clock,
        beside_the_api=beside_the_api,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(dispatcher.run(stop))
    try:
        yield stop
    finally:
        stop.set()
        await task


async def until(look: Callable[[], object], done: Callable[[object], bool], what: str) -> None:
    await asyncio.to_thread(wait_until, look, done, what=what)

"""A dispatcher in another process learns of new deliveries: through LISTEN/NOTIFY on PostgreSQL,
by its periodic look (at most every 2 s) on SQLite. How soon is measured in bench/, not here."""

import asyncio
import json
import os
import signal
import subprocess
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient

from hookdesk.app import create_app
from hookdesk.config import Settings
from hookdesk.db import Database
from hookdesk.db.wakeup import DISPATCH, Wake
from hookdesk.webhooks.dispatch.notify import listen_for_wakeups
from tests.support.api import Api, new_account
from tests.support.processes import HOOKDESK
from tests.support.receivers import Receiver
from tests.support.webhooks import endpoint

pytestmark = pytest.mark.slow  # starts processes of its own

PATIENCE = 30.0  # seconds before giving up on something that should come at once


def test_a_dispatcher_elsewhere_delivers_new_events(
    settings: Settings, db: Database, receiver: Receiver, tmp_path: Path
) -> None:
    key = Fernet.generate_key().decode()
    api_side = settings.model_copy(update={"dev": True, "secret_key": key})
    dispatcher = subprocess.Popen(
        [HOOKDESK, "dispatcher", "--dev", "--database-url", db.url],
        env={**os.environ, "HOOKDESK_SECRET_KEY": key},
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "dispatcher.log").open("wb"),
    )
    try:
        with TestClient(create_app(api_side, db)) as client:  # no dispatcher in this process
            api = new_account(client, db, "Elsewhere")
            endpoint(api, receiver.url, events=["whitelabel.ticket.created"])
            tickets = [api.ticket()["id"], api.ticket()["id"]]
            arrived = receiver.wait_for(2)
        delivered = [json.loads(request.body)["data"]["ticket"]["id"] for request in arrived]
        assert sorted(delivered) == sorted(tickets)
    finally:
        dispatcher.send_signal(signal.SIGTERM)
        dispatcher.wait(timeout=30)


async def test_a_commit_that_queues_deliveries_notifies_listeners(
    db: Database, live: Api, receiver: Receiver
) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite has no LISTEN/NOTIFY: dispatchers elsewhere look every 2 s")
    endpoint(live, receiver.url, events=["whitelabel.ticket.created"])
    woken: asyncio.Queue[Wake] = asyncio.Queue()
    listener = asyncio.create_task(listen_for_wakeups(db.url, woken.put_nowait))
    try:
        # Once listening, everything, for what was queued meanwhile.
        assert await asyncio.wait_for(woken.get(), PATIENCE) == DISPATCH
        await asyncio.to_thread(live.ticket)
        # Its delivery, and the client's notification for the default server, each told apart.
        kinds = {await asyncio.wait_for(woken.get(), PATIENCE) for _ in range(2)}
        assert kinds == {Wake.DELIVERIES, Wake.DEFAULT_SERVER_MAIL}
    finally:
        listener.cancel()

"""A dispatcher in another process learns of new deliveries: at once through LISTEN/NOTIFY on
PostgreSQL, by its periodic look (at most every 2 s) on SQLite."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from cryptography.fernet import Fernet
from fastapi.testclient import TestClient

from hookdesk.app import create_app
from hookdesk.config import Settings
from hookdesk.db import Database
from tests.conftest import new_account
from tests.delivery.test_lifecycle import endpoint
from tests.receivers import Receiver

HOOKDESK = str(Path(sys.executable).parent / "hookdesk")


def test_a_dispatcher_elsewhere_wakes_for_new_deliveries(
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
            time.sleep(3)  # the dispatcher is up and idle
            delays = []
            for count in (1, 2):
                committed = time.time()
                api.ticket()
                arrived = receiver.wait_for(count)[-1].at
                delays.append(arrived - committed)
                time.sleep(2.5)  # idle again: the next one cannot ride on a poll already due
        bound = 2.5 if db.is_sqlite else 0.5
        assert max(delays) < bound, delays
    finally:
        dispatcher.send_signal(signal.SIGTERM)
        dispatcher.wait(timeout=30)

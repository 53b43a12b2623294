"""What each child process of `hookdesk serve --workers N` runs.

The parent has already checked the settings, opened and migrated the database and taken the
address (`listening.py`); a child opens its own connections (a spawned process shares none) and
runs until SIGTERM. The API processes accept connections, each on its own socket where the system
spreads connections over them, and deliver nothing themselves: on PostgreSQL each commit's NOTIFY
wakes the dispatcher process.
"""

import asyncio
import multiprocessing
import os
import signal
import threading
from multiprocessing.connection import wait

import uvicorn

from hookdesk import logs
from hookdesk.app import create_app
from hookdesk.config import Settings
from hookdesk.db import Database
from hookdesk.serving.listening import Listen, listener
from hookdesk.shared.garbage import settle_after_start_up
from hookdesk.shared.secretbox import box_for
from hookdesk.workers import dispatch_until_signalled, fastest_event_loop


def api_process(settings: Settings, listen: Listen) -> None:
    logs.configure(settings)
    _stop_with_parent()
    application = create_app(settings)  # it opens, and closes, its own database
    settle_after_start_up()
    server = uvicorn.Server(
        uvicorn.Config(
            application,
            log_config=None,  # as `hookdesk serve`: uvicorn's lines go through logs.py
            access_log=False,
            timeout_graceful_shutdown=5,
        )
    )
    server.run(sockets=[listener(listen)])


def dispatcher_process(settings: Settings) -> None:
    logs.configure(settings)
    _stop_with_parent()
    database = Database.of(settings)
    box = box_for(settings.secret_key, dev=settings.dev, data_dir=settings.data_dir)
    settle_after_start_up()
    try:
        with asyncio.Runner(loop_factory=fastest_event_loop()) as runner:
            runner.run(dispatch_until_signalled(database, settings, box))
    finally:
        database.dispose()


def _stop_with_parent() -> None:
    """A parent killed without a chance to stop its children (SIGKILL, a crash) must not leave
    them serving on their own: when its sentinel closes, the child stops as on SIGTERM."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        wait([parent.sentinel])
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()

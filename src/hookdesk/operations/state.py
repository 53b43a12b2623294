"""What `/metrics` and `/readyz` of one app read: its probe engine, its registry, its dispatcher."""

import os

from prometheus_client import PLATFORM_COLLECTOR, CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector

from hookdesk.migrations.migrate import head_revision
from hookdesk.operations import instruments
from hookdesk.operations.collector import DatabaseCollector
from hookdesk.operations.instruments import MULTIPROCESS_VARIABLE
from hookdesk.operations.probe import probe_engine
from hookdesk.webhooks.dispatch.dispatcher import Dispatcher


class Operations:
    def __init__(self, database_url: str) -> None:
        self.probe = probe_engine(database_url)
        # The process's own counts, shared by every app in it, beside this app's database view;
        # under `serve --workers`, the counts of every process, which each writes to the folder
        # named by PROMETHEUS_MULTIPROC_DIR (serving/metrics.py).
        self.registry = CollectorRegistry()
        if MULTIPROCESS_VARIABLE in os.environ:
            MultiProcessCollector(self.registry)  # type: ignore[no-untyped-call]
            self.registry.register(PLATFORM_COLLECTOR)
        else:
            for metric in instruments.ALL:
                self.registry.register(metric)
        self.registry.register(DatabaseCollector(self.probe))
        self.dispatcher: Dispatcher | None = None  # set while the app runs its own
        self._head: str | None = None

    def head(self) -> str | None:
        """The schema revision this hookdesk needs, read from its migration scripts once."""
        if self._head is None:
            self._head = head_revision(self.probe)
        return self._head

    def close(self) -> None:
        self.probe.dispose()

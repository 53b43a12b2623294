"""What `/metrics` of one app reads: its probe engine and its registry."""

from prometheus_client import CollectorRegistry

from hookdesk.operations import instruments
from hookdesk.operations.collector import DatabaseCollector
from hookdesk.operations.probe import probe_engine


class Operations:
    def __init__(self, database_url: str) -> None:
        self.probe = probe_engine(database_url)
        # The process's own counts, shared by every app in it, beside this app's database view.
        self.registry = CollectorRegistry()
        for metric in instruments.ALL:
            self.registry.register(metric)
        self.registry.register(DatabaseCollector(self.probe))

    def close(self) -> None:
        self.probe.dispose()

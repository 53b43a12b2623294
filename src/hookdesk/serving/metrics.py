"""One `/metrics` for all of `serve --workers`' processes.

Each child writes its counts to files in a folder of the parent's (prometheus_client's
multiprocess mode, switched on by PROMETHEUS_MULTIPROC_DIR in the children's environment), and
whichever API process answers `/metrics` sums them all: the requests every API process answered
and the deliveries of the dispatcher process. Counts of a child that died stay in the sum; its
share of the deliveries in flight leaves it.
"""

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from prometheus_client import multiprocess

from hookdesk.operations.instruments import MULTIPROCESS_VARIABLE


@contextmanager
def metrics_shared_by_children() -> Iterator[Callable[[int], None]]:
    """While the block runs, children started from this process share their counts; it gets
    the function to call with the process id of a child that exited."""
    with tempfile.TemporaryDirectory(prefix="metrics-") as folder:
        os.environ[MULTIPROCESS_VARIABLE] = folder

        def exited(pid: int) -> None:
            multiprocess.mark_process_dead(pid, folder)  # type: ignore[no-untyped-call]

        try:
            yield exited
        finally:
            del os.environ[MULTIPROCESS_VARIABLE]

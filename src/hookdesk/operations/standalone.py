"""`/metrics` of a process without the web app: `hookdesk dispatcher --metrics-port`."""

from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import start_http_server

from hookdesk.operations.state import Operations


@contextmanager
def metrics_server(database_url: str, *, host: str, port: int) -> Iterator[None]:
    """The same metrics as the app's `/metrics`, on a small HTTP server of their own."""
    operations = Operations(database_url)
    try:
        server, thread = start_http_server(port, host, registry=operations.registry)
    except OSError:
        operations.close()
        raise
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
        operations.close()

"""An app served by a real uvicorn on 127.0.0.1, in a thread of the test process."""

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import uvicorn
from starlette.types import ASGIApp

from tests.support.waiting import wait_until


@contextmanager
def served(make_app: Callable[[str], ASGIApp]) -> Iterator[tuple[str, ASGIApp]]:
    """The base URL and the app `make_app` made for it, while uvicorn serves it (its lifespan
    runs in the server)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    app = make_app(url)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    wait_until(lambda: server.started, what="the server to start", timeout=15, every=0.02)
    try:
        yield url, app
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        listener.close()

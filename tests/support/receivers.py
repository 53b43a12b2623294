"""A real, programmable HTTP receiver on 127.0.0.1 for delivery tests."""

import socket
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (a slow or hanging receiver)
    reset: bool = False  # drop the connection without answering


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float


class Receiver:
    def __init__(self, port: int = 0) -> None:
        self.received: list[Received] = []
        self._script: deque[Reply] = deque()
        self.default = Reply()
        self._lock = threading.Condition()
        self._closed = False
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hook"

    def reply_with(self, *replies: Reply) -> None:
        """Answer the next requests with these replies, in order, then with `default`."""
        with self._lock:
            self._script.extend(replies)

    def wait_for(self, count: int, timeout: float = 15.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self.received) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"got {len(self.received)} requests, expected {count}")
                self._lock.wait(left)
            return list(self.received)

    def close(self) -> None:
        """Stop like a process that exits: kept-alive connections are dropped too."""
        self._closed = True
        self._server.shutdown()
        self._server.server_close()

    def _next_reply(self, request: Received) -> Reply:
        with self._lock:
            self.received.append(request)
            self._lock.notify_all()
            return self._script.popleft() if self._script else self.default

    def _handler_class(self) -> Any:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                if receiver._closed:
                    self.close_connection = True
                    return
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                reply = receiver._next_reply(Received(self.path, headers, body, time.time()))
                time.sleep(reply.delay)
                if reply.reset:
                    # SO_LINGER 0: close with a TCP reset instead of a clean end.
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    self.close_connection = True
                    return
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, *_args: Any) -> None:
                pass

        return Handler


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens: connections are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"

"""A real TCP forwarder on 127.0.0.1 that a test can cut and restore, between hookdesk and its
PostgreSQL.

Cut: every open connection is dropped, and new ones are accepted but never answered: a database
host gone silent, the case in which a client without timeouts of its own would hang. Restore: the
held connections are closed (their clients see the end and connect again) and new ones are
forwarded again.
"""

import contextlib
import socket
import threading


class Forwarder:
    def __init__(self, upstream: tuple[str, int]) -> None:
        self._upstream = upstream
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._cut = False
        self._open: set[socket.socket] = set()
        self._held: set[socket.socket] = set()
        threading.Thread(target=self._accept, daemon=True).start()

    def cut(self) -> None:
        with self._lock:
            self._cut = True
            dropped, self._open = self._open, set()
        _close_all(dropped)

    def restore(self) -> None:
        with self._lock:
            self._cut = False
            held, self._held = self._held, set()
        _close_all(held)

    def close(self) -> None:
        self._listener.close()
        with self._lock:
            every, self._open, self._held = self._open | self._held, set(), set()
        _close_all(every)

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            with self._lock:
                if self._cut:
                    self._held.add(client)
                    continue
            try:
                upstream = socket.create_connection(self._upstream, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._open |= {client, upstream}
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass  # cut: the sockets were closed under this thread
        finally:
            with self._lock:
                ours = {source, target} & self._open
                self._open -= ours
            _close_all(ours)


def _close_all(sockets: set[socket.socket]) -> None:
    """Shut down first: it wakes a thread blocked reading the socket."""
    for sock in sockets:
        with contextlib.suppress(OSError):  # already closed by its other end
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()

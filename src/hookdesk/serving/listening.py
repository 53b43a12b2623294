"""Where the API processes of `hookdesk serve --workers N` accept connections.

On Linux each API process listens on a socket of its own, all bound to the one address with
SO_REUSEPORT: the kernel hands each new connection to one of them by a hash of its addresses, so
the processes get about as many connections each. Sharing one socket, the process that happens to
be awake (the busiest) accepted most of them, and kept them: a client's keep-alive connections
opened one after another all went to one process, which ran at its limit while the other idled.
A process that dies takes only its own socket with it; new connections go to the others until its
successor listens. The parent holds a socket bound to the address without listening on it, so the
address stays taken while a child is replaced and a busy port is refused at start-up.

Elsewhere (SO_REUSEPORT does not spread connections on every system) the processes share the
parent's one listening socket.
"""

import socket
import sys
from dataclasses import dataclass

BACKLOG = 2048
SPREAD = sys.platform == "linux" and hasattr(socket, "SO_REUSEPORT")


@dataclass(frozen=True)
class Address:
    """What an API process binds its own socket to."""

    host: str
    port: int
    family: int


Listen = socket.socket | Address  # a listening socket shared, or an address to listen on alone


def reserve(host: str, port: int) -> tuple[socket.socket, Listen]:
    """The parent's socket (closed once the children are gone), and what each API process is
    handed. Raises OSError when the address cannot be taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    if not SPREAD:
        shared = socket.create_server((host, port), family=family, backlog=BACKLOG)
        return shared, shared
    held = socket.socket(family, socket.SOCK_STREAM)
    try:
        held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        held.bind((host, port))
    except OSError:
        held.close()
        raise
    return held, Address(host, held.getsockname()[1], family)


def listener(listen: Listen) -> socket.socket:
    """The socket an API process accepts connections on."""
    if isinstance(listen, socket.socket):
        return listen
    return socket.create_server(
        (listen.host, listen.port), family=listen.family, backlog=BACKLOG, reuse_port=True
    )

"""Helpers shared by the benchmarks: server processes, set-up calls, a small HTTP/1.1 client,
and the report's machine facts and table.

A benchmark run as a script (`python bench/api.py`) makes this package importable with
`sys.path.insert(0, <the project folder>)` before `from bench.common import ...`.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import ctypes
import http.client
import json
import os
import platform
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

HOST = "127.0.0.1"
ROUTE = "/v2/agency/tickets/create"
AUTO_REPLY = "Thanks for contacting our support."
STARTUP_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
PR_SET_PDEATHSIG = 1

T = TypeVar("T")


# --- processes -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def hookdesk_command() -> Path:
    return Path(sys.executable).parent / "hookdesk"


def server_env(workdir: Path, sqlite_synchronous: str, rate_limit: float = 0) -> dict[str, str]:
    """The servers' environment; `rate_limit` 0 (the default) lets the load through unlimited."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOOKDESK_")}
    env["HOOKDESK_DATA_DIR"] = str(workdir / "data")
    env["HOOKDESK_SQLITE_SYNCHRONOUS"] = sqlite_synchronous
    env["HOOKDESK_RATE_LIMIT"] = f"{rate_limit:g}"
    # A Fernet key (32 random bytes, url-safe base64) for webhook endpoint secrets at rest,
    # which `hookdesk serve` asks for once webhooks land; older versions ignore it.
    env["HOOKDESK_SECRET_KEY"] = base64.urlsafe_b64encode(os.urandom(32)).decode()
    return env


@dataclass
class Server:
    """A child process (a server when `port` is not 0) and the file its output goes to."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    def cpu_seconds(self) -> float | None:
        """User + system CPU time of the server process (all its threads) and of its live child
        processes (`serve --workers`), Linux only."""
        return tree_cpu_seconds(self.process.pid)

    def rss_bytes(self) -> int | None:
        """Resident memory of the process, Linux only."""
        return rss_bytes(self.process.pid)

    def log_tail(self, lines: int = 20) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


@contextlib.contextmanager
def spawned(
    name: str, command: list[str], workdir: Path, env: dict[str, str], port: int = 0
) -> Iterator[Server]:
    """A child process with its output in `<workdir>/<name>.log`, stopped when the block ends."""
    log_path = workdir / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            preexec_fn=die_with_parent,  # noqa: PLW1509 (no threads are running here)
        )
    try:
        yield Server(name, port, process, log_path)
    finally:
        stop(process)


@contextlib.contextmanager
def running(
    name: str,
    command: list[str],
    port: int,
    workdir: Path,
    env: dict[str, str],
    listeners: int = 1,
) -> Iterator[Server]:
    """A server process that answers GET /healthz, stopped when the block ends; with
    `listeners` above 1 (`serve --workers`), once that many sockets listen on its port."""
    with spawned(name, command, workdir, env, port) as server:
        wait_healthy(server)
        if listeners > 1:
            wait_listening(server, listeners)
        yield server


def tree_cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return None
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return own + sum(tree_cpu_seconds(int(child)) or 0.0 for child in children)


def rss_bytes(pid: int) -> int | None:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return None


def die_with_parent() -> None:
    """Linux: the server gets SIGTERM if this process dies without stopping it (even SIGKILL)."""
    if sys.platform == "linux":
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def wait_healthy(server: Server) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited early:\n{server.log_tail()}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            if get_status(server.port, "/healthz") == 200:
                return
        time.sleep(0.05)
    raise RuntimeError(f"{server.name} did not answer /healthz in time:\n{server.log_tail()}")


def wait_listening(server: Server, count: int) -> None:
    """Until `count` sockets listen on the server's port. Each API process of `serve --workers`
    listens on a socket of its own (SO_REUSEPORT), and the kernel spreads new connections only
    over the sockets listening when they connect: a load whose keep-alive connections opened
    when the first process answered /healthz would all go to that one. Linux only (elsewhere
    the processes share one socket)."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while (found := listening_sockets(server.port)) is not None and found < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{server.name}: {found} of {count} sockets listen in time")
        time.sleep(0.05)


def listening_sockets(port: int) -> int | None:
    """How many TCP sockets listen on `port` (from /proc/net), None where /proc cannot tell."""
    found = None
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            rows = Path(table).read_text().splitlines()[1:]
            # Columns: sl, local address:port (hex), remote, state (0A: LISTEN), ...
            listed = [row.split() for row in rows]
            found = (found or 0) + sum(
                1 for f in listed if f[3] == "0A" and int(f[1].rsplit(":", 1)[1], 16) == port
            )
    return found


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT_S)


# --- setting up the data (plain blocking HTTP, outside the measurement) -------------------


def get_status(port: int, path: str) -> int:
    connection = http.client.HTTPConnection(HOST, port, timeout=2)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    finally:
        connection.close()


def get_json(port: int, path: str, timeout: float = 10) -> Any:
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        text = response.read().decode(errors="replace")
    finally:
        connection.close()
    if response.status != 200:
        raise RuntimeError(f"GET {path} answered {response.status}: {text[:500]}")
    return json.loads(text)


def post_json(port: int, path: str, body: dict[str, Any], api_key: str) -> dict[str, Any]:
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
    try:
        connection.request("POST", path, body=json.dumps(body), headers=headers)
        response = connection.getresponse()
        text = response.read().decode(errors="replace")
    finally:
        connection.close()
    if response.status != 200:
        raise RuntimeError(f"setup: POST {path} answered {response.status}: {text[:500]}")
    answer: dict[str, Any] = json.loads(text)
    return answer


def create_account(database_url: str, workdir: Path, env: dict[str, str]) -> str:
    command = [str(hookdesk_command()), "accounts", "create", "--name", "Bench"]
    done = subprocess.run(
        [*command, "--database-url", database_url],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"hookdesk accounts create failed:\n{done.stderr}")
    api_key: str = json.loads(done.stdout.strip().splitlines()[-1])["api_key"]
    return api_key


def ticket_body(port: int, api_key: str) -> dict[str, Any]:
    """Creates a client and a category in the running hookdesk; the ticket body refers to them."""
    client_body = {"name": "Bench Client", "email": "bench@example.com"}
    client = post_json(port, "/v2/agency/clients/create", client_body, api_key)["client"]
    category_body = {"title": "General Support", "language": "en", "automated_reply": AUTO_REPLY}
    category = post_json(port, "/v2/agency/ticket-categories/create", category_body, api_key)
    return new_ticket_body(client["id"], category["ticket_category"]["id"])


def new_ticket_body(client_id: str, category_id: str) -> dict[str, Any]:
    return {
        "client_id": client_id,
        "title": "The printer on the second floor prints blank pages",
        "description": "Since this morning every job comes out blank. We changed the toner.",
        "category": category_id,
    }


def raw_request(port: int, api_key: str, body: dict[str, Any]) -> bytes:
    """The exact bytes of one measured request: the same headers for both servers."""
    payload = json.dumps(body).encode()
    head = (
        f"POST {ROUTE} HTTP/1.1\r\n"
        f"Host: {HOST}:{port}\r\n"
        f"Authorization: Bearer {api_key}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n"
    )
    return head.encode() + payload


# --- a small HTTP/1.1 client ----------------------------------------------------------------


class BadAnswer(Exception):
    """An answer that is not an HTTP/1.1 response this client understands."""


@dataclass
class Answer:
    status: int
    body: bytes
    keep_alive: bool


class Client:
    """One keep-alive connection sending one request at a time; reconnects after a failure."""

    def __init__(self, port: int, request: bytes) -> None:
        self.port = port
        self.request = request
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def exchange(self) -> Answer:
        if self.streams is None:
            self.streams = await asyncio.open_connection(HOST, self.port)
        reader, writer = self.streams
        writer.write(self.request)
        answer = await read_answer(reader)
        if not answer.keep_alive:
            self.close()
        return answer

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


async def read_answer(reader: asyncio.StreamReader) -> Answer:
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = head[:-4].split(b"\r\n")
    parts = status_line.split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
        raise BadAnswer(f"bad status line {status_line[:100]!r}")
    headers = dict(_header(line) for line in header_lines)
    if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
        body = await read_chunked(reader)
    else:
        body = await reader.readexactly(int(headers.get(b"content-length", b"0")))
    keep_alive = headers.get(b"connection", b"").lower() != b"close"
    return Answer(int(parts[1]), body, keep_alive)


def _header(line: bytes) -> tuple[bytes, bytes]:
    name, _, value = line.partition(b":")
    return name.strip().lower(), value.strip()


async def read_chunked(reader: asyncio.StreamReader) -> bytes:
    chunks: list[bytes] = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        chunk = await reader.readexactly(size + 2)
        if size == 0:
            return b"".join(chunks)
        chunks.append(chunk[:-2])


FAILURES = (OSError, EOFError, TimeoutError, ValueError, BadAnswer, asyncio.LimitOverrunError)


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    try:
        import uvloop

        factory: Callable[[], asyncio.AbstractEventLoop] | None = uvloop.new_event_loop
    except ImportError:
        factory = None
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(coroutine)


def progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# --- the report ----------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    import sqlite3
    from importlib.metadata import version

    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model(),
        "memory_gib": memory_gib(),
        "platform": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "uvicorn": version("uvicorn"),
        "hookdesk": version("hookdesk"),
        "hookdesk_source": hookdesk_source(),
        "sqlite": sqlite3.sqlite_version,
    }


def hookdesk_source() -> str | None:
    """Where the servers import hookdesk from (PYTHONPATH, which they inherit, can move it)."""
    from importlib.util import find_spec

    spec = find_spec("hookdesk")
    return None if spec is None or spec.origin is None else str(Path(spec.origin).parent)


def exact_command() -> str:
    shown = [f"PYTHONPATH={os.environ['PYTHONPATH']}"] if os.environ.get("PYTHONPATH") else []
    return shlex.join([*shown, sys.executable, *sys.argv])


def cpu_model() -> str | None:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return None


def memory_gib() -> float | None:
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    return None


def render_table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    return "\n".join(lines)


def fmt_ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4g}x"


# --- command line --------------------------------------------------------------------------


def positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, not {value}")
    return value


def positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, not {value}")
    return value


def terminate(signum: int, _frame: Any) -> None:
    progress(f"stopped by signal {signum}: stopping the servers")
    raise SystemExit(128 + signum)  # unwinds through the `finally` that stops the servers

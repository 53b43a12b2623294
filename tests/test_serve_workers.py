"""`hookdesk serve --workers N`: API processes and a dispatcher process under one parent.

A real `hookdesk serve` runs as a subprocess against the test's PostgreSQL; its children are killed
with SIGKILL while tickets are created, and every ticket the API answered must still reach a real
receiver. On SQLite, `--workers` above 1 is refused. On Linux each API process accepts on a socket
of its own, and connections opened one after another reach both.
"""

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from prometheus_client.parser import text_string_to_metric_families

from hookdesk.accounts import service as accounts
from hookdesk.db import Database
from hookdesk.db.database import (
    OTHER_CLIENTS,
    POOL_SIZE,
    connections_at_peak,
    fitted_pool_size,
    is_sqlite,
)
from tests.support.processes import HOOKDESK, free_port
from tests.support.receivers import Receiver
from tests.support.waiting import wait_until

pytestmark = pytest.mark.slow

STARTED = re.compile(r"process started\s.*pid=(\d+) role=(\w+)")


class Served:
    """A `hookdesk serve --workers 2 --dev` subprocess, its log and its API."""

    def __init__(self, database_url: str, folder: Path, **settings: str) -> None:
        """`settings`: more HOOKDESK_ variables, by name."""
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.log = folder / "serve.err"
        env = {
            **os.environ,
            "HOOKDESK_SECRET_KEY": Fernet.generate_key().decode(),
            "HOOKDESK_RATE_LIMIT": "0",
            "HOOKDESK_RETRY_SCHEDULE": "0.2,0.2,0.5,1,1,2",
            "HOOKDESK_SHUTDOWN_TIMEOUT": "10",
            **settings,
        }
        command = [HOOKDESK, "serve", "--dev", "--workers", "2", "--port", str(port)]
        command += ["--database-url", database_url]
        with self.log.open("wb") as stderr:
            self.process = subprocess.Popen(
                command, cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=stderr
            )
        wait_until(self._healthy, what=f"the server to answer; its log: {self.log}", timeout=120)

    def _healthy(self) -> bool:
        assert self.process.poll() is None, self.log.read_text()
        try:
            return httpx.get(f"{self.url}/healthz").status_code == 200
        except httpx.TransportError:
            return False

    def started(self) -> list[tuple[int, str]]:
        """(pid, role) of every child started so far, in order."""
        found = STARTED.findall(self.log.read_text())
        return [(int(pid), role) for pid, role in found]

    def alive(self, role: str) -> list[int]:
        return [pid for pid, seen in self.started() if seen == role and running(pid)]


def metric_sums(text: str) -> dict[tuple[str, str], float]:
    """Samples summed by name and by their route or outcome label."""
    sums: dict[tuple[str, str], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            label = sample.labels.get("route") or sample.labels.get("outcome") or ""
            key = (sample.name, label)
            sums[key] = sums.get(key, 0.0) + sample.value
    return sums


def running(pid: int) -> bool:
    """Whether `pid` is a live process (not gone, not a zombie waiting to be reaped)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


@pytest.fixture
def served(database_url: str, db: Database, tmp_path: Path) -> Iterator[Served]:
    if is_sqlite(database_url):
        pytest.skip("--workers above 1 runs on PostgreSQL (the refusal on SQLite is tested)")
    server = Served(database_url, tmp_path)
    yield server
    if server.process.poll() is None:
        server.process.kill()
        server.process.wait(timeout=30)


def test_on_sqlite_workers_above_one_are_refused_naming_postgresql(
    database_url: str, tmp_path: Path
) -> None:
    if not is_sqlite(database_url):
        pytest.skip("the refusal is SQLite's")
    result = subprocess.run(
        [HOOKDESK, "serve", "--workers", "2", "--port", "1", "--database-url", database_url],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    message = " ".join(result.stderr.split())
    assert "--workers above 1 needs PostgreSQL" in message
    assert "Traceback" not in result.stderr


def test_killed_children_are_replaced_and_no_answered_ticket_is_lost(
    served: Served, db: Database
) -> None:
    with db.transaction() as session:
        key = accounts.create(session, name="Workers").api_key
    headers = {"Authorization": f"Bearer {key}"}
    receiver = Receiver()
    try:
        created = httpx.post(
            f"{served.url}/v2/webhook-endpoints/create",
            json={"url": receiver.url, "events": ["whitelabel.ticket.created"]},
            headers=headers,
        )
        assert created.status_code == 200, created.text
        client = httpx.post(
            f"{served.url}/v2/agency/clients/create",
            json={"name": "Ada", "email": "ada@example.com"},
            headers=headers,
        ).json()["client"]
        category = httpx.post(
            f"{served.url}/v2/agency/ticket-categories/create",
            json={"title": "Support", "language": "en"},
            headers=headers,
        ).json()["ticket_category"]
        ticket = {"client_id": client["id"], "category": category["id"], "description": "Help"}
        wait_until(lambda: len(served.alive("api")) == 2, what="two API processes", timeout=120)
        first_api, *_ = served.alive("api")
        first_dispatcher = served.alive("dispatcher")[0]

        answered: list[str] = []
        refused = 0

        def create_tickets() -> None:
            nonlocal refused
            for number in range(90):
                try:  # a new connection each time, as independent clients would
                    response = httpx.post(
                        f"{served.url}/v2/agency/tickets/create",
                        json={**ticket, "title": f"Ticket {number}"},
                        headers=headers,
                        timeout=30,
                    )
                except httpx.TransportError:
                    refused += 1  # the connection went down with the killed process
                    continue
                if response.status_code == 200:
                    answered.append(response.json()["ticket"]["id"])

        creating = threading.Thread(target=create_tickets)
        creating.start()
        wait_until(lambda: len(answered) >= 20, what="20 tickets created")
        os.kill(first_api, signal.SIGKILL)
        wait_until(lambda: len(answered) >= 45, what="45 tickets created")
        os.kill(first_dispatcher, signal.SIGKILL)
        creating.join(timeout=120)

        # Each killed child has a successor, and the server is whole again.
        wait_until(lambda: len(served.alive("api")) == 2, what="a new API process", timeout=120)
        wait_until(
            lambda: len(served.alive("dispatcher")) == 1, what="a new dispatcher", timeout=120
        )
        assert first_api not in served.alive("api")
        assert first_dispatcher not in served.alive("dispatcher")

        # Every ticket the API answered for reached the receiver, the ones committed while no
        # dispatcher ran included.
        def delivered() -> set[str]:
            return {json.loads(seen.body)["data"]["ticket"]["id"] for seen in receiver.received}

        wait_until(
            delivered, lambda seen: set(answered) <= seen, what="every answered ticket", timeout=60
        )
        assert len(answered) + refused == 90

        # /metrics, whichever API process answers it, counts the requests both answered and the
        # deliveries of every dispatcher process, the killed one's included. A process killed
        # between finishing its work and counting it loses that count, hence "most": one API
        # process's own count would be about half, and an API process delivers nothing.
        most = 0.75 * len(answered)
        for _ in range(4):
            counted = metric_sums(httpx.get(f"{served.url}/metrics").text)
            assert counted["hookdesk_http_requests_total", "/v2/agency/tickets/create"] >= most
            assert counted["hookdesk_deliveries_total", "delivered"] >= most
        assert len(answered) >= 80  # only requests caught by the killed process may fail
    finally:
        receiver.close()


def test_the_pools_are_made_to_fit_postgresqls_connections(served: Served, db: Database) -> None:
    """Two API processes and a dispatcher at twenty connections a pool could want 180 at a peak,
    more than a default PostgreSQL takes (100): their pools are made small enough to fit."""
    allowed = db.connections_allowed()
    if 3 * connections_at_peak(POOL_SIZE) <= allowed - OTHER_CLIENTS:
        pytest.skip(f"this PostgreSQL takes {allowed} connections: every pool fits")
    fitted = fitted_pool_size(3, allowed)
    assert 3 * connections_at_peak(fitted) <= allowed - OTHER_CLIENTS
    log = served.log.read_text()
    assert re.search(rf"database pools sized .*pool_size={fitted}\b", log), log


def test_a_pool_size_given_that_does_not_fit_is_kept_and_warned_of(
    database_url: str, db: Database, tmp_path: Path
) -> None:
    if is_sqlite(database_url):
        pytest.skip("--workers above 1 runs on PostgreSQL")
    allowed = db.connections_allowed()
    server = Served(database_url, tmp_path, HOOKDESK_DATABASE_POOL_SIZE=str(allowed))
    try:
        log = server.log.read_text()
    finally:
        server.process.kill()
        server.process.wait(timeout=30)
    fitted = fitted_pool_size(3, allowed)
    assert "PostgreSQL may refuse connections at a peak" in log, log
    assert f"HOOKDESK_DATABASE_POOL_SIZE to {fitted} or less" in log
    assert "database pools sized" not in log


def test_sigterm_stops_every_child_gracefully(served: Served) -> None:
    wait_until(lambda: len(served.alive("api")) == 2, what="two API processes", timeout=120)
    children = [pid for pid, _ in served.started()]
    served.process.send_signal(signal.SIGTERM)
    assert served.process.wait(timeout=60) == 0
    assert not [pid for pid in children if running(pid)]
    log = served.log.read_text()
    assert "did not stop in time" not in log  # each stopped by itself, none was killed
    assert "stopped" in log


def sockets_of(pid: int) -> set[str]:
    """The inodes of the sockets process `pid` holds open."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            if (target := str(fd.readlink())).startswith("socket:["):
                inodes.add(target[len("socket:[") : -1])
    return inodes


def tcp_sockets(port: int, state: str) -> set[str]:
    """The inodes of the TCP sockets on local `port` in `state` (/proc/net/tcp's hex code)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == state:
            inodes.add(fields[9])
    return inodes


LISTEN, ESTABLISHED = "0A", "01"


@pytest.mark.skipif(sys.platform != "linux", reason="sockets are spread over processes on Linux")
def test_each_api_process_listens_on_its_own_socket_and_connections_reach_both(
    served: Served,
) -> None:
    port = int(served.url.rsplit(":", 1)[1])

    def listening_per_api() -> list[int]:
        listening = tcp_sockets(port, LISTEN)
        return [len(sockets_of(pid) & listening) for pid in served.alive("api")]

    # Both started and listening: a process counts as alive before its server is up.
    wait_until(
        listening_per_api,
        lambda found: found == [1, 1],
        what="two API processes listening",
        timeout=120,
    )
    apis = served.alive("api")
    assert len(tcp_sockets(port, LISTEN)) == 2  # not one socket shared

    # Keep-alive connections opened one after another, as a client's pool opens them: the
    # system spreads them over the sockets (all 24 on one: a chance of one in 8 million).
    clients = [httpx.Client(base_url=served.url) for _ in range(24)]
    try:
        for client in clients:
            assert client.get("/healthz").status_code == 200
        accepted = tcp_sockets(port, ESTABLISHED)
        held = [len(sockets_of(pid) & accepted) for pid in apis]
    finally:
        for client in clients:
            client.close()
    assert sum(held) == 24
    assert min(held) > 0

"""`hookdesk dispatcher --metrics-port`: a dispatcher alone serves the same metrics."""

import os
import signal
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from cryptography.fernet import Fernet

from hookdesk.db import Database
from tests.support.processes import HOOKDESK, free_port
from tests.support.receivers import Receiver
from tests.support.scraping import Scrape, parse
from tests.support.waiting import wait_until
from tests.support.webhooks import one_delivery

pytestmark = pytest.mark.slow  # starts processes of its own


def scrape_port(port: int) -> Scrape | None:
    try:
        response = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10)
    except httpx.TransportError:
        return None  # not listening yet
    return parse(response.text)


def test_a_dispatcher_process_serves_its_own_metrics(db: Database, receiver: Receiver) -> None:
    key = Fernet.generate_key().decode()
    one_delivery(db, key, receiver.url)
    port = free_port()
    command = [HOOKDESK, "dispatcher", "--dev", "--database-url", db.url]
    process = subprocess.Popen(
        [*command, "--metrics-port", str(port)],
        env={**os.environ, "HOOKDESK_SECRET_KEY": key},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        receiver.wait_for(1)
        scraped = wait_until(
            lambda: scrape_port(port),
            lambda s: (
                s is not None
                and s.value("hookdesk_deliveries_total", outcome="delivered") == 1
                and s.value("hookdesk_dispatchers_alive") == 1
            ),
            "the delivery to be counted and the heartbeat written",
        )
        assert scraped is not None
        assert scraped.value("hookdesk_delivery_attempt_duration_seconds_count") == 1
        assert scraped.value("hookdesk_database_up") == 1
        assert scraped.value("hookdesk_queue_depth") == 0
        assert scraped.value("hookdesk_dispatchers_alive") == 1
        [row] = scraped.labels_of("hookdesk_dispatcher_in_flight")
        assert row["pid"] == str(process.pid)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        assert scrape_port(port) is None  # the metrics server stopped with it
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def test_a_metrics_port_in_use_is_one_clear_line(db: Database) -> None:
    with socket_listening() as port:
        result = subprocess.run(
            [HOOKDESK, "dispatcher", "--database-url", db.url, "--metrics-port", str(port)],
            env={**os.environ, "HOOKDESK_SECRET_KEY": Fernet.generate_key().decode()},
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == f"error: Cannot serve metrics on 127.0.0.1:{port}: Address already in use"
    )
    assert "Traceback" not in result.stderr


@contextmanager
def socket_listening() -> Iterator[int]:
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield server.getsockname()[1]

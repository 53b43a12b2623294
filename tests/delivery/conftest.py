"""Fixtures of the crash and restart scenarios (test_nothing_lost.py, test_database_restart.py)."""

import subprocess
from collections.abc import Iterator

import pytest

from tests.support.chaos import FlakyReceiver


@pytest.fixture
def flaky() -> Iterator[FlakyReceiver]:
    receiver = FlakyReceiver()
    try:
        yield receiver
    finally:
        receiver.close()


@pytest.fixture
def children() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Every `hookdesk` process a test starts; all are killed at the end, whatever happened."""
    started: list[subprocess.Popen[bytes]] = []
    try:
        yield started
    finally:
        for process in started:
            if process.poll() is None:
                process.kill()
        for process in started:
            process.wait(timeout=10)

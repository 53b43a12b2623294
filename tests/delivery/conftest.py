"""Fixtures of the scenarios with processes of their own (test_nothing_lost.py,
test_database_restart.py, test_rate_limit.py)."""

import secrets
import subprocess
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

from tests.support.chaos import POSTGRES_URL, FlakyReceiver


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


@pytest.fixture
def own_postgres() -> Iterator[str]:
    """A PostgreSQL database of this test's own, dropped at the end (others use `test`)."""
    base = make_url(POSTGRES_URL).set(drivername="postgresql")
    name = f"hookdesk_own_{secrets.token_hex(4)}"
    admin = base.set(database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

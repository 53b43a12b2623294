"""Fresh PostgreSQL databases for the benchmarks, on the local server, dropped afterwards.

Each is named `hookdesk_bench_<pid>_<n>` after the benchmark process that made it, so a run that
was killed before it could drop its databases is cleaned up by the next run (its pid is gone).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
from collections.abc import Iterator
from pathlib import Path

SERVER_URL = "postgresql://postgres@127.0.0.1:5432"
PREFIX = "hookdesk_bench_"
_numbers = itertools.count(1)


def available() -> str | None:
    """None when the server answers, else why not (one line)."""
    import psycopg

    try:
        with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True, connect_timeout=5):
            return None
    except Exception as error:  # any reason the server cannot be used is reported, not raised
        return f"{type(error).__name__}: {str(error).strip().splitlines()[0]}"


@contextlib.contextmanager
def fresh_database() -> Iterator[str]:
    """The URL of a new, empty database, dropped (with its connections) when the block ends."""
    import psycopg

    name = f"{PREFIX}{os.getpid()}_{next(_numbers)}"
    with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{SERVER_URL}/{name}"
    finally:
        drop(name)


def drop(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def drop_orphans() -> list[str]:
    """Drops the databases of benchmark runs whose process is gone; their names."""
    import psycopg

    pattern = re.compile(rf"^{PREFIX}(\d+)_\d+$")
    with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True, connect_timeout=5) as admin:
        names = [row[0] for row in admin.execute("SELECT datname FROM pg_database")]
    orphans = [
        name
        for name in names
        if (match := pattern.match(name)) and not Path(f"/proc/{match[1]}").exists()
    ]
    for name in orphans:
        drop(name)
    return orphans


def backend_cpu_seconds(database_url: str) -> dict[int, float]:
    """CPU seconds (user + system) of each server process now connected to the database of
    `database_url`, by pid (Linux, the server on this machine)."""
    import psycopg

    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True, connect_timeout=5) as admin:
        pids = [
            row[0]
            for row in admin.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (name,))
        ]
    ticks = os.sysconf("SC_CLK_TCK")
    seconds = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        seconds[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return seconds

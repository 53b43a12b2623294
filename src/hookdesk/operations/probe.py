"""A small engine of its own for the operator's questions (`/readyz`, `/metrics`).

The API's engine waits as long as a request needs; a probe must answer within seconds even when
the database host has gone silent. So the probe connects with its own short timeouts: to connect,
to run a statement, and to get a packet acknowledged.
"""

from urllib.parse import quote

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from hookdesk.db.database import is_sqlite, normalize_url

TIMEOUT = 2  # seconds; also libpq's shortest connect timeout


def probe_engine(database_url: str) -> Engine:
    url = normalize_url(database_url)
    if is_sqlite(url):
        return _sqlite_probe(url)
    return create_engine(
        url,
        pool_size=1,
        max_overflow=1,
        pool_timeout=TIMEOUT,
        pool_pre_ping=True,
        connect_args={
            "connect_timeout": TIMEOUT,
            "options": f"-c statement_timeout={TIMEOUT * 1000}",
            "tcp_user_timeout": TIMEOUT * 1000,
        },
    )


def _sqlite_probe(url: str) -> Engine:
    """A fresh connection per probe (opening a SQLite file costs microseconds), never creating the
    file: a database moved away or deleted is reported, not replaced by an empty one, whatever
    the API's connections, which keep the old file open, still see."""
    path = make_url(url).database
    if path and path != ":memory:":
        url = f"sqlite:///file:{quote(path)}?mode=rw&uri=true"
    return create_engine(
        url, poolclass=NullPool, connect_args={"timeout": TIMEOUT, "check_same_thread": False}
    )

"""The whole suite runs once per database: SQLite (a file per run) and the real PostgreSQL.

PostgreSQL comes from HOOKDESK_TEST_POSTGRES_URL (default: the local server's `test` database);
each run works in a database of its own made beside it (see `tests/support/databases.py`).

A test that starts a process (hookdesk, Dovecot, Python) is marked `slow`, so that
`pytest -m "not slow"` is a quick run without any; one that is not marked fails when it tries.
"""

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient

from hookdesk.app import create_app
from hookdesk.config import Settings
from hookdesk.db import Base, Database
from hookdesk.migrations.migrate import prepare
from tests.support.api import Api, new_account
from tests.support.databases import private_postgres
from tests.support.receivers import Receiver

POSTGRES_URL = os.environ.get(
    "HOOKDESK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'hookdesk.db'}"
        return
    with private_postgres(POSTGRES_URL) as url:
        yield url


@pytest.fixture(scope="session")
def database(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    prepare(database.engine)
    yield database
    database.dispose()


@pytest.fixture
def db(database: Database) -> Iterator[Database]:
    """The database, emptied before the test."""
    with database.transaction() as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(table.delete())
    yield database


@pytest.fixture
def settings(db: Database, tmp_path: Path) -> Settings:
    return Settings(
        database_url=db.url,
        data_dir=tmp_path / "data",
        public_url="http://testserver",
        secret_key=Fernet.generate_key().decode(),
        rate_limit=0,  # tests make requests as fast as they can; tests/api/test_rate_limits.py
    )


@pytest.fixture
def http(settings: Settings, db: Database) -> Iterator[TestClient]:
    with TestClient(create_app(settings, db)) as client:
        yield client


@pytest.fixture
def api(http: TestClient, db: Database) -> Api:
    """An API client signed in as a fresh account."""
    return new_account(http, db, "Agency One")


@pytest.fixture
def other_api(http: TestClient, db: Database) -> Api:
    return new_account(http, db, "Agency Two")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture
def live_settings(settings: Settings) -> Settings:
    """Development mode (local receivers) with a short retry schedule and timeout."""
    return settings.model_copy(
        update={
            "dev": True,
            "retry_schedule": (0.2, 0.2, 0.3),
            "delivery_timeout": 2.0,
            "shutdown_timeout": 3.0,
        }
    )


@pytest.fixture
def live(live_settings: Settings, db: Database) -> Iterator[Api]:
    """An API client of a fresh account, on an app that runs its dispatcher."""
    with TestClient(create_app(live_settings, db, run_dispatcher=True)) as client:
        yield new_account(client, db, "Live Agency")


@pytest.fixture(autouse=True)
def _processes_only_in_slow_tests(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keeps the `slow` set whole: a test not marked slow may start no process."""
    if request.node.get_closest_marker("slow") is not None:
        return

    def refused(*_args: object, **_kwargs: object) -> None:
        raise AssertionError(f"{request.node.nodeid} starts a process: mark it slow")

    monkeypatch.setattr(subprocess.Popen, "__init__", refused)

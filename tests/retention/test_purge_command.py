"""`hookdesk purge` as a user runs it: a real process on the test database."""

import os
import subprocess
import time
from pathlib import Path

import pytest

from hookdesk.db import Database
from hookdesk.retention.age import describe, parse_age
from hookdesk.retention.periodic import purge_turn
from hookdesk.shared.clock import now
from tests.support.api import Api
from tests.support.history import counts, endpoint, history
from tests.support.processes import HOOKDESK

DAY = 86_400


def run_purge(*args: str, db: Database, folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [HOOKDESK, "purge", *args, "--database-url", db.url],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "HOOKDESK_DATA_DIR": str(folder / "data"), "COLUMNS": "120"},
    )


@pytest.mark.slow
def test_purge_removes_what_is_older_and_says_how_much(
    api: Api, db: Database, tmp_path: Path
) -> None:
    target = endpoint(db, api.account_id)
    history(db, api.account_id, target, created_at=now() - 13 * 3600, count=3, attempts_each=2)
    history(db, api.account_id, target, created_at=now() - 11 * 3600, count=1)

    result = run_purge("--older-than", "12h", db=db, folder=tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Removed what was older than 12 hours:\n")
    lines = [line.split() for line in result.stdout.splitlines()]
    assert lines[1:4] == [["attempts", "6"], ["deliveries", "3"], ["events", "3"]]
    assert lines[4][:2] == ["assets", "0"]
    assert counts(db, api.account_id) == {"attempts": 1, "deliveries": 1, "events": 1}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("value", "problem"),
    [("30x", "is not an age"), ("-5d", "is not an age"), ("0", "out of range")],
)
def test_a_bad_age_is_one_clear_line(
    db: Database, tmp_path: Path, value: str, problem: str
) -> None:
    result = run_purge("--older-than", value, db=db, folder=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("error: --older-than:") and problem in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("text", "seconds", "shown"),
    [
        ("30d", 30 * DAY, "30 days"),
        ("12h", 12 * 3600, "12 hours"),
        ("90m", 90 * 60, "90 minutes"),
        ("3600", 3600, "1 hour"),
        (" 1.5D ", 1.5 * DAY, "36 hours"),
        ("45s", 45, "45 seconds"),
    ],
)
def test_ages(text: str, seconds: float, shown: str) -> None:
    assert parse_age(text) == seconds
    assert describe(seconds) == shown


@pytest.mark.slow
def test_purge_waits_for_a_dispatchers_purge_to_end(api: Api, db: Database, tmp_path: Path) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite serializes every writer: there is no purge lock to wait for")
    target = endpoint(db, api.account_id)
    history(db, api.account_id, target, created_at=now() - 2 * DAY, count=2)

    with purge_turn(db) as held:  # as a dispatcher's purge holds it
        assert held
        process = subprocess.Popen(
            [HOOKDESK, "purge", "--older-than", "1d", "--database-url", db.url],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "HOOKDESK_DATA_DIR": str(tmp_path / "data")},
        )
        assert process.stderr is not None
        assert "waiting for it to end" in process.stderr.readline()
        time.sleep(0.5)
        assert process.poll() is None  # still waiting
        assert counts(db, api.account_id)["events"] == 2

    stdout, _ = process.communicate(timeout=60)
    assert process.returncode == 0
    assert stdout.startswith("Removed what was older than 1 day:\n")
    assert counts(db, api.account_id) == {"attempts": 0, "deliveries": 0, "events": 0}

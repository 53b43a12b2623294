"""The `hookdesk` command as a user runs it: real processes, a real SQLite file, real HTTP."""

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet

from tests.support.processes import HOOKDESK, answers, free_port, run
from tests.support.waiting import wait_until

pytestmark = pytest.mark.slow  # starts processes of its own


def test_accounts_create_prints_the_account_and_a_key(tmp_path: Path) -> None:
    result = run("accounts", "create", "--name", "Acme Agency", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    created = json.loads(result.stdout)
    assert list(created) == ["account_id", "api_key"]
    assert created["api_key"].startswith("hk_")
    assert len(created["api_key"]) >= 3 + 16 + 1 + 43
    assert (tmp_path / "hookdesk.db").exists()  # the default database, migrated on first use
    again = json.loads(run("accounts", "create", "--name", "Other", cwd=tmp_path).stdout)
    assert again["api_key"] != created["api_key"]


def test_accounts_create_refuses_an_empty_name(tmp_path: Path) -> None:
    result = run("accounts", "create", "--name", "  ", cwd=tmp_path)
    assert result.returncode == 1
    assert "--name" in result.stderr
    assert "Traceback" not in result.stderr


def test_database_url_from_the_environment(tmp_path: Path) -> None:
    env = {"HOOKDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'elsewhere.db'}"}
    assert run("accounts", "create", "--name", "A", cwd=tmp_path, env=env).returncode == 0
    assert (tmp_path / "elsewhere.db").exists()
    assert not (tmp_path / "hookdesk.db").exists()


def test_unreachable_database_is_a_clear_error(tmp_path: Path) -> None:
    url = "postgresql://nobody@127.0.0.1:1/none"
    result = run("accounts", "create", "--name", "A", "--database-url", url, cwd=tmp_path)
    assert result.returncode == 1
    assert "Cannot open the database" in result.stderr
    assert "Traceback" not in result.stderr


def test_migrate_applies_the_schema(tmp_path: Path) -> None:
    result = run("migrate", "--database-url", f"sqlite:///{tmp_path / 'm.db'}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stderr


@pytest.fixture
def dev_server(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    port = free_port()
    process = subprocess.Popen(
        [HOOKDESK, "serve", "--dev", "--port", str(port)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield f"http://127.0.0.1:{port}", process
    finally:
        process.terminate()
        process.wait(timeout=10)


def wait_until_up(url: str) -> None:
    wait_until(lambda: answers(f"{url}/healthz"), what="the service to start", timeout=30)


def test_serve_dev_creates_a_first_account_and_answers(dev_server, tmp_path: Path) -> None:
    url, process = dev_server
    assert process.stdout is not None
    created = json.loads(process.stdout.readline())
    wait_until_up(url)
    headers = {"Authorization": f"Bearer {created['api_key']}"}
    response = httpx.post(
        f"{url}/v2/agency/clients/create",
        json={"name": "James Doe", "email": "james@example.com"},
        headers=headers,
    )
    assert response.status_code == 200
    assert response.json()["client"]["name"] == "James Doe"
    assert (tmp_path / "hookdesk.db").exists()
    assert httpx.get(f"{url}/openapi.json").json()["info"]["title"] == "hookdesk"


def test_serve_refuses_an_out_of_date_database(tmp_path: Path) -> None:
    assert run("migrate", cwd=tmp_path).returncode == 0
    import sqlite3

    with sqlite3.connect(tmp_path / "hookdesk.db") as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0000_older'")
    key = {"HOOKDESK_SECRET_KEY": Fernet.generate_key().decode()}
    result = run("serve", "--port", str(free_port()), cwd=tmp_path, env=key)
    assert result.returncode == 1
    assert "hookdesk migrate" in result.stderr


def test_the_console_script_is_installed() -> None:
    assert shutil.which("hookdesk", path=str(Path(HOOKDESK).parent)) is not None


def test_a_bad_setting_is_refused_naming_it(tmp_path: Path) -> None:
    env = {"HOOKDESK_RETRY_SCHEDULE": "5,soon"}
    result = run("accounts", "create", "--name", "A", cwd=tmp_path, env=env)
    assert result.returncode == 1
    assert "HOOKDESK_RETRY_SCHEDULE" in result.stderr
    assert "comma-separated seconds" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_flags_are_one_line(tmp_path: Path) -> None:
    result = run("migrate", "--no-such-flag", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "--no-such-flag" in result.stderr

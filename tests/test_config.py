"""Settings: defaults < TOML file < HOOKDESK_* environment < flags, each bad value named."""

import json
import os
import subprocess
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from hookdesk.config import ConfigurationError, Settings, load
from hookdesk.db import Database
from hookdesk.workers import limits_from
from tests.support.processes import HOOKDESK


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("HOOKDESK_"):
            monkeypatch.delenv(name)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "hookdesk.toml"
    path.write_text(text)
    return path


def test_the_environment_overrides_the_file_and_flags_override_both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, 'delivery_timeout = 9\nretry_schedule = [1, 2]\nlog_level = "debug"\n')
    monkeypatch.setenv("HOOKDESK_DELIVERY_TIMEOUT", "7")
    monkeypatch.setenv("HOOKDESK_DEV", "1")

    loaded = load(path, dev=False, log_level=None)

    assert loaded.settings.delivery_timeout == 7
    assert loaded.settings.retry_schedule == (1.0, 2.0)
    assert loaded.settings.log_level == "debug"
    assert loaded.settings.dev is False
    assert loaded.sources == {
        "delivery_timeout": "environment",
        "retry_schedule": str(path),
        "log_level": str(path),
        "dev": "flag",
    }


def test_the_file_may_come_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOOKDESK_CONFIG", str(write(tmp_path, "retention_days = 7\n")))
    assert load().settings.retention_days == 7


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("HOOKDESK_DELIVERY_TIMEOUT", "0", "greater than 0"),
        ("HOOKDESK_RETRY_SCHEDULE", "5,soon", "comma-separated seconds"),
        ("HOOKDESK_RETRY_SCHEDULE", "5,-1", "more than 0 seconds"),
        ("HOOKDESK_DATABASE_URL", "mysql://db/x", "'mysql' is not supported"),
        ("HOOKDESK_DATABASE_URL", "not a url", "sqlite:///path or postgresql://"),
        ("HOOKDESK_PUBLIC_URL", "example.com", "must start with http:// or https://"),
        ("HOOKDESK_SQLITE_SYNCHRONOUS", "OFF", "'FULL' or 'NORMAL'"),
        ("HOOKDESK_LOG_LEVEL", "loud", "'debug', 'info', 'warning' or 'error'"),
        ("HOOKDESK_RATE_LIMIT", "-1", "greater than or equal to 0"),
        ("HOOKDESK_PURGE_BATCH", "many", "valid integer"),
        ("HOOKDESK_DEV", "perhaps", "valid boolean"),
    ],
)
def test_a_bad_variable_is_named_with_its_problem(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError) as raised:
        load()
    assert f"{variable}: " in str(raised.value)
    assert message in str(raised.value)


def test_every_bad_value_is_named_at_once(tmp_path: Path) -> None:
    path = write(tmp_path, "purge_batch = 0\n")
    with pytest.raises(ConfigurationError) as raised:
        load(path, max_body_bytes=-5)
    assert f"purge_batch in {path}: " in str(raised.value)
    assert "--max-body-bytes: " in str(raised.value)


def test_the_secret_key_is_never_repeated_in_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as raised:
        load(write(tmp_path, "secret_key = 918273645\n"))
    assert "secret_key in " in str(raised.value)
    assert "918273645" not in str(raised.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("colour = 'red'\n", "Unknown setting(s) colour in"),
        ("delivery_timeout = \n", "is not valid TOML"),
    ],
)
def test_a_bad_file_is_refused(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        load(write(tmp_path, text))
    assert message in str(raised.value)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as raised:
        load(tmp_path / "absent.toml")
    assert "Cannot read the configuration file" in str(raised.value)


def show(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [HOOKDESK, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "300", **env},
        check=False,
    )


@pytest.mark.slow  # a process of its own
def test_config_show_prints_the_effective_settings_without_secrets(tmp_path: Path) -> None:
    key = Fernet.generate_key().decode()
    path = write(tmp_path, "retention_days = 12\n")
    env = {
        "HOOKDESK_SECRET_KEY": key,
        "HOOKDESK_DATABASE_URL": "postgresql://hookdesk:pa55word@db.internal/hookdesk",
    }

    as_json = show("--config", str(path), "config", "show", "--json", env=env)
    table = show("--config", str(path), "config", "show", "--dev", env=env)

    assert as_json.returncode == 0, as_json.stderr
    shown = json.loads(as_json.stdout)
    assert shown["retention_days"] == 12
    assert shown["secret_key"] == "(set, hidden)"
    assert shown["database_url"] == "postgresql://hookdesk:***@db.internal/hookdesk"
    assert shown["retry_schedule"] == [5, 60, 300, 1800, 7200, 21600, 43200, 86400, 86400]
    for output in (as_json.stdout, table.stdout):
        assert key not in output and "pa55word" not in output
    rows = {line.split()[0]: line.split()[-1] for line in table.stdout.splitlines()[1:]}
    assert rows["HOOKDESK_RETENTION_DAYS"] == str(path)
    assert rows["HOOKDESK_SECRET_KEY"] == "environment"
    assert rows["HOOKDESK_DEV"] == "flag"
    assert rows["HOOKDESK_DELIVERY_TIMEOUT"] == "default"


@pytest.mark.slow  # a process of its own
def test_a_bad_setting_stops_a_command_with_one_clear_message(tmp_path: Path) -> None:
    result = show("config", "show", env={"HOOKDESK_DISABLE_AFTER": "soon"})
    assert result.returncode == 1
    assert "HOOKDESK_DISABLE_AFTER: Input should be a valid number" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_dispatchers_batch_is_its_databases_unless_set(db: Database, tmp_path: Path) -> None:
    unset = Settings(database_url=db.url, data_dir=tmp_path)
    chosen = Settings(database_url=db.url, data_dir=tmp_path, dispatcher_batch=64)
    assert limits_from(unset, db).batch == (200 if db.is_sqlite else 512)
    assert limits_from(chosen, db).batch == 64

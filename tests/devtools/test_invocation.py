"""Commands that hookdesk suggests run from where the user stands: `hookdesk` is on the PATH only
in an activated virtual environment, so a newcomer who ran `.venv/bin/hookdesk` is told that."""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from hookdesk.db import Database
from tests.support.processes import BARE_PATH, CHECKOUT, HOOKDESK, VENV_BIN, bare_environment

pytestmark = pytest.mark.slow  # starts processes of its own


def run(argv: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv,
        cwd=cwd,
        env=bare_environment(**env),
        capture_output=True,
        text=True,
        timeout=180,  # only a guard: a loaded machine starts hookdesk slowly
        check=False,
    )


def suggested(stderr: str) -> str:
    found = re.search(r"Make one with `([^`]+)`", stderr)
    assert found is not None, stderr
    return found.group(1)


def test_a_missing_secret_key_names_the_command_that_makes_one(
    db: Database, tmp_path: Path
) -> None:
    # `db`, emptied: an endpoint left by an earlier test, sealed with its key, would fail `rotate`
    database_url = db.url
    refused = run([HOOKDESK, "serve"], tmp_path, HOOKDESK_DATABASE_URL=database_url)
    assert refused.returncode == 1
    command = suggested(refused.stderr)
    assert command == f"{HOOKDESK} secret-key generate"  # not on the PATH: the whole path
    made = run(shlex.split(command), tmp_path)
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip()
    Fernet(key.encode())  # a valid key
    used = run(
        [HOOKDESK, "secret-key", "rotate"],
        tmp_path,
        HOOKDESK_DATABASE_URL=database_url,
        HOOKDESK_SECRET_KEY=key,
    )
    assert used.returncode == 0, used.stderr
    assert "Sealed" in used.stderr


def test_inside_the_checkout_the_command_is_relative(database_url: str) -> None:
    relative = os.path.relpath(HOOKDESK, CHECKOUT)
    refused = run([relative, "serve"], CHECKOUT, HOOKDESK_DATABASE_URL=database_url)
    assert suggested(refused.stderr) == f"{relative} secret-key generate"


def test_on_the_path_the_command_is_bare(database_url: str, tmp_path: Path) -> None:
    refused = run(
        ["hookdesk", "serve"],
        tmp_path,
        PATH=f"{VENV_BIN}:{BARE_PATH}",
        HOOKDESK_DATABASE_URL=database_url,
    )
    assert suggested(refused.stderr) == "hookdesk secret-key generate"


def test_as_a_python_module_the_command_is_python_m(database_url: str, tmp_path: Path) -> None:
    refused = run(
        [sys.executable, "-m", "hookdesk", "serve"], tmp_path, HOOKDESK_DATABASE_URL=database_url
    )
    assert suggested(refused.stderr) == f"{sys.executable} -m hookdesk secret-key generate"

"""What CI runs (`.ci/run`): the README's test command with every test, the schemathesis fuzzing
included, then the fast tests with the lowest allowed dependencies."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


def commands_of(script: str) -> list[str]:
    lines = (ROOT / script).read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def test_ci_runs_the_whole_suite_then_the_lowest_dependencies() -> None:
    commands = commands_of(".ci/run")
    assert commands[-2:] == ["scripts/test", "exec scripts/test-lowest"]
    pytest_line = next(c for c in commands_of("scripts/test") if "pytest" in c)
    assert pytest_line == '.venv/bin/python -m pytest "$@"'  # no test deselected
    options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert not re.search(r"(^|\s)(-m|-k|--deselect|--ignore)\b", options["addopts"])


@pytest.mark.slow  # a process of its own
def test_the_fuzzing_is_among_the_tests_ci_runs() -> None:
    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "tests/test_fuzz.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    fuzzing = [line for line in collected.stdout.splitlines() if "test_fuzz.py::" in line]
    assert fuzzing == [
        "tests/test_fuzz.py::test_no_generated_input_gets_a_server_error[sqlite]",
        "tests/test_fuzz.py::test_no_generated_input_gets_a_server_error[postgresql]",
    ], collected.stdout

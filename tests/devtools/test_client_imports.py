"""`hookdesk --help` and the API-client commands start without the server stack: they load none
of FastAPI, SQLAlchemy, Alembic, uvicorn, aiohttp or hookdesk's app, database and models. Only the
commands that run the server (`serve`, `dispatcher`, `migrate`, ...) import `hookdesk.cli.server`.
The help of any command loads none of httpx, pydantic and the receiver SDK, and a call to the API
neither httpx nor pydantic.

Each check runs `hookdesk` in a fresh Python, which writes the modules it loaded when it exits."""

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import hookdesk.cli
import hookdesk.config
from tests.devtools.serving import Cli, dev_server

pytestmark = pytest.mark.slow

SERVER_STACK = (
    "alembic",
    "fastapi",
    "pydantic_settings",
    "sqlalchemy",
    "starlette",
    "uvicorn",
    "aiohttp",
    "hookdesk.app",
    "hookdesk.cli.server",
    "hookdesk.config",
    "hookdesk.db",
    "hookdesk.migrations",
    "hookdesk.models",
    "hookdesk.workers",
)

# What listen and the demo load at work, not to show a help. pydantic comes with the receiver
# SDK; Typer 0.29 and later would load it for any command, coercing every option's value with it.
AT_WORK_ONLY = ("httpx", "pydantic", "hookdesk.receiver", "hookdesk.devtools.forwarding")

# Runs `hookdesk ARGS...` as the console script does; at exit, the loaded modules go to a file.
RUN_HOOKDESK = textwrap.dedent(
    """
    import atexit, json, sys
    report, *arguments = sys.argv[1:]
    atexit.register(lambda: open(report, "w").write(json.dumps(sorted(sys.modules))))
    sys.argv = ["hookdesk", *arguments]
    from hookdesk.console import main
    main()
    """
)

# Renders the help of every command and group in one process, then lists the loaded modules.
EVERY_HELP = textwrap.dedent(
    """
    import json, sys
    from typer.main import get_command
    from typer.testing import CliRunner
    from hookdesk.cli import app

    def paths(command, path=()):
        yield path
        for name, sub in getattr(command, "commands", {}).items():
            yield from paths(sub, (*path, name))

    shown = 0
    for path in paths(get_command(app)):
        result = CliRunner().invoke(app, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        shown += 1
    print(json.dumps({"helps": shown, "modules": sorted(sys.modules)}))
    """
)


def server_modules(modules: list[str]) -> list[str]:
    return [m for m in modules if m.startswith(SERVER_STACK)]


def work_modules(modules: list[str]) -> list[str]:
    return [m for m in modules if m.split(".")[0] in AT_WORK_ONLY or m.startswith(AT_WORK_ONLY)]


def loaded_by(tmp_path: Path, *arguments: str, env: dict[str, str] | None = None) -> list[str]:
    report = tmp_path / "modules.json"
    done = subprocess.run(
        [sys.executable, "-c", RUN_HOOKDESK, str(report), *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    return list(json.loads(report.read_text()))


def test_the_help_of_every_command_loads_no_server_module() -> None:
    done = subprocess.run(
        [sys.executable, "-c", EVERY_HELP], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["helps"] > 30
    assert "typer" in found["modules"]
    assert server_modules(found["modules"]) == []
    assert work_modules(found["modules"]) == []


@pytest.mark.parametrize(
    "arguments",
    [("--help",), ("trigger", "--help"), ("endpoints", "list", "--help"), ("listen", "--help")],
)
def test_hookdesk_help_loads_no_server_module(tmp_path: Path, arguments: tuple[str, ...]) -> None:
    modules = loaded_by(tmp_path, *arguments)
    assert "hookdesk.cli" in modules
    assert server_modules(modules) == []
    assert work_modules(modules) == []


def test_a_server_command_loads_the_server(tmp_path: Path) -> None:
    """The check above can fail: a command that runs the server does load it."""
    modules = loaded_by(tmp_path, "migrate", "--database-url", f"sqlite:///{tmp_path / 'm.db'}")
    assert {"hookdesk.cli.server", "sqlalchemy", "alembic"} <= set(modules)


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cli]:
    with dev_server(tmp_path_factory.mktemp("serve")) as server:
        yield Cli(server)


@pytest.mark.parametrize(
    "arguments",
    [
        ("endpoints", "list"),
        ("events", "list"),
        ("tickets", "list"),
        ("keys", "list"),
        ("trigger", "whitelabel.ticket.created"),
    ],
)
def test_client_commands_at_work_load_no_server_module(
    cli: Cli, tmp_path: Path, arguments: tuple[str, ...]
) -> None:
    environment = {k: v for k, v in cli.env().items() if v is not None}
    modules = loaded_by(tmp_path, *arguments, env={**os.environ, **environment})
    assert "urllib.request" in modules  # it did call the API
    assert server_modules(modules) == []
    # listen's session needs them; the API client and the options' values do not
    assert [m for m in ("httpx", "pydantic") if m in modules] == []


def test_the_config_flag_names_the_variable_the_settings_read() -> None:
    assert hookdesk.cli.CONFIG_FILE_VARIABLE == hookdesk.config.CONFIG_FILE_VARIABLE

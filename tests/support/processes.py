"""The `hookdesk` command run as a process of its own: where it is, how to run it, a free port for
it to serve on, whether it answers yet, and dispatcher processes to kill."""

import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import IO

import httpx

VENV_BIN = Path(sys.executable).parent
HOOKDESK = str(VENV_BIN / "hookdesk")
CHECKOUT = VENV_BIN.parents[1]  # the folder that holds .venv
BARE_PATH = "/usr/local/bin:/usr/bin:/bin"  # no virtual environment activated


def run(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """`hookdesk *args`, to its end, with this environment and `env` on top."""
    return subprocess.run(
        [HOOKDESK, *args],
        check=False,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def rotate_secret_key(database_url: str, keys: str) -> subprocess.CompletedProcess:
    """`hookdesk secret-key rotate` on that database, with HOOKDESK_SECRET_KEY set to `keys`."""
    return run(
        "secret-key", "rotate", "--database-url", database_url, env={"HOOKDESK_SECRET_KEY": keys}
    )


def bare_environment(**extra: str) -> dict[str, str]:
    """This environment without any HOOKDESK_ setting and without the virtual environment."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith("HOOKDESK_")}
    return {**kept, "PATH": BARE_PATH, **extra}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def answers(url: str) -> bool:
    """Whether `url` answers 200 now (a server that is not up yet does not)."""
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.TransportError:
        return False


class Dispatchers:
    """`hookdesk dispatcher` processes on one database, each logging to a file of its own in
    `folder`; `stop()` kills those still running and closes their logs."""

    def __init__(self, database_url: str, folder: Path, env: dict[str, str]) -> None:
        self.database_url, self.folder, self.env = database_url, folder, env
        self.started: list[tuple[subprocess.Popen[bytes], IO[bytes]]] = []

    def start(self) -> subprocess.Popen[bytes]:
        log = (self.folder / f"dispatcher-{len(self.started)}.log").open("wb")
        process = subprocess.Popen(
            [HOOKDESK, "dispatcher", "--dev", "--database-url", self.database_url],
            cwd=self.folder,
            env={**os.environ, **self.env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.started.append((process, log))
        return process

    def stop(self) -> None:
        for process, log in self.started:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)
            log.close()

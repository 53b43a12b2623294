"""A real `hookdesk serve --dev`, and the developer commands run against it.

The commands run as `hookdesk` has them: `Cli.run` in-process with `CliRunner` (a real run of the
command: real HTTP to the real server), `Cli.process` as a separate `hookdesk` process.
"""

import json
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from cryptography.fernet import Fernet
from typer.testing import CliRunner, Result

from hookdesk.cli import app
from tests.support.processes import HOOKDESK, answers, free_port
from tests.support.receivers import Receiver
from tests.support.waiting import wait_until

REPO = Path(__file__).parents[2]


@dataclass(frozen=True)
class Server:
    url: str
    api_key: str
    log: Path

    def api(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        """The API directly, for a test's own setup and checks."""
        headers = {"Authorization": f"Bearer {self.api_key}"}
        response = httpx.request(
            method, self.url + path, json=body, params=params, headers=headers, timeout=30
        )
        assert response.status_code == 200, response.text
        return response.json()


@dataclass(frozen=True)
class Cli:
    server: Server

    def env(self, **overrides: str | None) -> dict[str, str | None]:
        """The server's URL and key; an override of None unsets a variable."""
        return {
            "HOOKDESK_API_URL": self.server.url,
            "HOOKDESK_API_KEY": self.server.api_key,
            "COLUMNS": "200",  # wide enough that no table column is dropped or folded
            **overrides,
        }

    def run(self, *args: str, **env: str | None) -> Result:
        return CliRunner().invoke(app, list(args), env=self.env(**env))

    def ok(self, *args: str) -> str:
        result = self.run(*args)
        assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
        return result.stdout

    def json(self, *args: str) -> Any:
        return json.loads(self.ok(*args, "--json"))

    def process(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        variables = {**os.environ, **self.env(**env)}
        return subprocess.run(
            [HOOKDESK, *args],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
            env={name: value for name, value in variables.items() if value is not None},
        )


def _first_line(path: Path, process: subprocess.Popen[bytes], log: Path) -> str:
    def printed() -> str:
        assert process.poll() is None, f"hookdesk serve exited: {log.read_text()}"
        return path.read_text()

    content = wait_until(printed, lambda seen: "\n" in seen, what="the first account", timeout=30)
    return content.split("\n", 1)[0]


def _wait_until_up(url: str, log: Path) -> None:
    wait_until(
        lambda: answers(f"{url}/healthz"),
        what=f"hookdesk serve to answer (its log: {log})",
        timeout=30,
    )


@contextmanager
def dev_server(folder: Path) -> Iterator[Server]:
    """`hookdesk serve --dev` on a SQLite file in `folder`, signed in as its first account."""
    port = free_port()
    out, log = folder / "stdout.txt", folder / "stderr.txt"
    env = {
        **os.environ,
        "HOOKDESK_SECRET_KEY": Fernet.generate_key().decode(),
        "HOOKDESK_RETRY_SCHEDULE": "1,1",  # a test's leftover failing deliveries end soon
        "HOOKDESK_DELIVERY_TIMEOUT": "5",
        "HOOKDESK_RATE_LIMIT": "0",  # a module's tests share the server and its one key
    }
    command = [HOOKDESK, "serve", "--dev", "--port", str(port)]
    command += ["--database-url", f"sqlite:///{folder / 'x.db'}"]
    with out.open("wb") as stdout, log.open("wb") as stderr:
        process = subprocess.Popen(command, cwd=folder, env=env, stdout=stdout, stderr=stderr)
    try:
        account = json.loads(_first_line(out, process, log))
        url = f"http://127.0.0.1:{port}"
        _wait_until_up(url, log)
        yield Server(url, account["api_key"], log)
    finally:
        process.terminate()
        process.wait(timeout=15)


@contextmanager
def receiver_for(server: Server) -> Iterator[Receiver]:
    """A receiver; the endpoints pointed at it are deleted when it closes."""
    receiver = Receiver()
    try:
        yield receiver
    finally:
        receiver.close()
        listed = server.api("GET", "/v2/webhook-endpoints/list", per_page=100)
        for endpoint in listed["webhook_endpoints"]:
            if endpoint["url"] == receiver.url:
                server.api("POST", f"/v2/webhook-endpoints/delete/{endpoint['id']}")


def wait_for_status(cli: Cli, event_id: str, status: str, timeout: float = 15) -> Any:
    """The event once its status is `status` (attempts are recorded a moment after they end)."""
    return wait_until(
        lambda: cli.json("events", "show", event_id),
        lambda event: event["status"] == status,
        what=f"{event_id} to be {status}",
        timeout=timeout,
    )

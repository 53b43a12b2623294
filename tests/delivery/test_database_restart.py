"""PostgreSQL restarted under load: hookdesk recovers by itself and loses nothing.

A PostgreSQL server of this test's own (initdb in a temporary folder, on a free port; the suite's
shared server is never touched) serves `hookdesk serve` (API and a dispatcher) and one more
`hookdesk dispatcher`, while changes are made through the API and deliveries go to a flaky
receiver. Mid-run the server is stopped the hard way (`pg_ctl stop -m immediate`: every backend
killed, crash recovery at the next start), kept down a while, and started again. Nobody touches
hookdesk: its pools replace the broken connections, the dispatchers' claim loops and LISTEN
reconnect, and meanwhile the API answers 503 (never a 500). Then every committed change's event is
delivered (see `settle_and_check`).
"""

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet

from hookdesk.db import Database
from hookdesk.webhooks.statuses import WebhookEventStatus
from tests.support.chaos import (
    SCALE,
    FlakyReceiver,
    child_env,
    describe,
    producing,
    settle_and_check,
    start,
    states,
    wait_for_line,
    wait_until_up,
)
from tests.support.processes import HOOKDESK, free_port
from tests.support.waiting import wait_until

pytestmark = pytest.mark.slow

DOWN_SECONDS = 3.0


def postgres_bin() -> Path | None:
    found = shutil.which("pg_config")
    if found is None:
        return None
    answer = subprocess.run([found, "--bindir"], capture_output=True, text=True, check=False)
    folder = Path(answer.stdout.strip())
    return folder if (folder / "initdb").exists() else None


@dataclass
class OwnPostgres:
    """A PostgreSQL server in a temporary folder, run as the `postgres` user when this is root
    (PostgreSQL refuses to run as root)."""

    bin: Path
    folder: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def run(self, program: str, *args: str) -> None:
        command = [str(self.bin / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
        assert result.returncode == 0, f"{program}: {result.stdout}{result.stderr}"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.folder / "server.log")
        self.run("pg_ctl", "-D", str(self.folder / "data"), "-o", options, "-l", log, "-w", "start")

    def stop(self, mode: str) -> None:
        self.run("pg_ctl", "-D", str(self.folder / "data"), "-m", mode, "-w", "stop")


@pytest.fixture
def own_server() -> Iterator[OwnPostgres]:
    folder_bin = postgres_bin()
    if folder_bin is None:
        pytest.skip("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
    folder = Path(tempfile.mkdtemp(prefix="hookdesk-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    server = OwnPostgres(folder_bin, folder, free_port())
    server.run("initdb", "-D", str(folder / "data"), "-U", "postgres", "--auth=trust", "-N")
    server.start()
    try:
        yield server
    finally:
        with contextlib.suppress(AssertionError):  # already stopped
            server.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)


def test_postgres_restarted_under_load_loses_nothing(
    tmp_path: Path,
    own_server: OwnPostgres,
    flaky: FlakyReceiver,
    children: list[subprocess.Popen[bytes]],
) -> None:
    env = child_env(tmp_path, Fernet.generate_key().decode())
    total, restart_after = 200 * SCALE, 70 * SCALE
    made = subprocess.run(
        [HOOKDESK, "accounts", "create", "--name", "Restart Agency"],
        env={**env, "HOOKDESK_DATABASE_URL": own_server.url},
        cwd=tmp_path,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    api_key = json.loads(made.stdout)["api_key"]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    database_args = ["--dev", "--database-url", own_server.url]
    serve = start(
        children,
        ["serve", "--port", str(port), *database_args],
        env=env,
        cwd=tmp_path,
        logs="serve",
    )
    wait_until_up(serve, url, tmp_path / "serve.err")
    extra = start(children, ["dispatcher", *database_args], env=env, cwd=tmp_path, logs="disp")
    wait_for_line(extra, tmp_path / "disp.err", "dispatcher started")

    database = Database(own_server.url)
    headers = {"Authorization": f"Bearer {api_key}"}
    with httpx.Client(base_url=url, headers=headers, timeout=10) as http:
        with producing(http, flaky.url, total, seconds=180 * SCALE) as production:
            producer = production.producer

            def backlog_built() -> bool:
                if not production.reached(restart_after):
                    return False
                pending = [
                    s for s, _n, _t in states(database).values() if s == WebhookEventStatus.PENDING
                ]
                return len(pending) >= 10 and flaky.in_flight() > 0

            wait_until(
                backlog_built, what="a backlog of deliveries while changes are made", timeout=60
            )
            before = describe(states(database))
            database.dispose()  # this test's own connections must not hold the server up
            own_server.stop("immediate")
            print(
                f"\n[restart] PostgreSQL killed after {len(producer.committed)} committed "
                f"changes; deliveries: {before}"
            )
            time.sleep(DOWN_SECONDS)
            answer = http.get("/v2/agency/clients/list")
            assert answer.status_code == 503, answer.text
            assert answer.headers["retry-after"] == "1"
            own_server.start()
            production.finish()
        assert not producer.rejected, f"answers other than 200 and 503: {producer.rejected}"
        assert producer.unavailable + producer.refused + len(producer.uncertain) > 0
        assert serve.poll() is None and extra.poll() is None, "a hookdesk process died"
        print(
            f"[restart] PostgreSQL back after {DOWN_SECONDS:g} s; {len(producer.committed)} "
            f"changes committed, {producer.unavailable} answered 503 meanwhile"
        )
        flaky.recover()
        try:
            settle_and_check("restart", producer, flaky, database, production.secret)
        finally:
            database.dispose()
    assert "unexpected error" not in (tmp_path / "serve.err").read_text()  # no 500 was answered

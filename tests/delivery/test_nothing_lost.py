"""Nothing committed is lost when a delivering process is killed.

Every change that the API confirmed (answered 200) was committed together with its event and its
delivery, so it must reach the endpoint at least once, however the process that was delivering it
dies. Two real crashes, with real `hookdesk` processes, a real receiver and real SIGKILLs:

1. `hookdesk serve` on SQLite (API and dispatcher in one process) is killed while tickets and
   replies are being made and deliveries are in flight and retrying, then started again on the same
   database file, while the same client goes on making changes.
2. Three `hookdesk dispatcher` processes share one PostgreSQL database (a database of its own,
   dropped at the end) and one of them is killed while it holds leases. The changes are made through
   the real API, run in this process *without* a dispatcher (`create_app(run_dispatcher=False)`),
   so the three standalone dispatchers do all the delivering.

Until it "recovers", the receiver answers slowly and fails the first 0 to 2 attempts of each event
(500, 503 or a connection reset), so at the kill some deliveries are delivered, some in flight and
some waiting for a retry. A request in flight when its dispatcher dies is sent again once its lease
ends (`delivery_timeout` + `lease_margin`, 5 s here): a duplicate, which at-least-once allows.

Each change carries a unique marker (the ticket title, or the reply text), found again in the
event received. The outcome (committed, delivered, duplicates, lost) is printed (see it with -s).
"""

import json
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient

from hookdesk.app import create_app
from hookdesk.db import Database
from hookdesk.webhooks.statuses import WebhookEventStatus
from tests.support.chaos import (
    DELIVERY_TIMEOUT,
    DISPATCHER_ENDPOINT_CONCURRENCY,
    SCALE,
    FlakyReceiver,
    Producer,
    api_beside,
    child_env,
    describe,
    migrate,
    producing,
    set_up_account,
    settle_and_check,
    sigkill,
    start,
    start_dispatchers,
    states,
    wait_for_line,
    wait_until_up,
)
from tests.support.processes import HOOKDESK, free_port
from tests.support.waiting import wait_until

pytestmark = pytest.mark.slow


# --- 1. SQLite: `hookdesk serve` killed and started again ----------------------------------


def test_serve_killed_mid_delivery_loses_nothing(
    tmp_path: Path, flaky: FlakyReceiver, children: list[subprocess.Popen[bytes]]
) -> None:
    database_url = f"sqlite:///{tmp_path / 'hookdesk.db'}"
    env = child_env(tmp_path, Fernet.generate_key().decode())
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    args = ["serve", "--dev", "--port", str(port), "--database-url", database_url]
    total, kill_after = 160 * SCALE, 60 * SCALE

    first = start(children, args, env=env, cwd=tmp_path, logs="serve-1")
    created = json.loads(wait_for_line(first, tmp_path / "serve-1.out", "api_key"))
    wait_until_up(first, url, tmp_path / "serve-1.err")
    database = Database(database_url)
    headers = {"Authorization": f"Bearer {created['api_key']}"}
    with httpx.Client(base_url=url, headers=headers, timeout=10) as http:
        with producing(http, flaky.url, total, seconds=120 * SCALE) as production:
            producer = production.producer

            def mid_run() -> bool:
                if not production.reached(kill_after):
                    return False
                found = states(database)
                leased = any(
                    s == WebhookEventStatus.PENDING and token for s, _, token in found.values()
                )
                retrying = any(
                    s == WebhookEventStatus.PENDING and n > 0 for s, n, _ in found.values()
                )
                return flaky.in_flight() > 0 and leased and retrying

            wait_until(
                mid_run, what="changes made while deliveries are in flight and retrying", timeout=30
            )
            in_flight = flaky.in_flight()
            sigkill(first)
            at_kill = states(database)
            print(
                f"\n[sqlite] SIGKILL after {len(producer.committed)} committed changes, with "
                f"{in_flight} requests in flight at the receiver; deliveries: {describe(at_kill)}"
            )
            second = start(children, args, env=env, cwd=tmp_path, logs="serve-2")
            wait_until_up(second, url, tmp_path / "serve-2.err")
            production.finish()
        print(f"[sqlite] the service restarted; {len(producer.committed)} changes committed")
        flaky.recover()
        try:
            settle_and_check("sqlite", producer, flaky, database, production.secret)
        finally:
            database.dispose()
    # `serve --dev` created the account only the first time: the second start printed no key.
    assert "api_key" not in (tmp_path / "serve-2.out").read_text()


# --- 2. PostgreSQL: three dispatchers, one killed ----------------------------------------------


def test_one_of_three_dispatchers_killed_loses_nothing(
    tmp_path: Path,
    own_postgres: str,
    flaky: FlakyReceiver,
    children: list[subprocess.Popen[bytes]],
) -> None:
    secret_key = Fernet.generate_key().decode()
    env = child_env(tmp_path, secret_key)
    env["HOOKDESK_ENDPOINT_CONCURRENCY"] = str(DISPATCHER_ENDPOINT_CONCURRENCY)
    total, kill_after = 300 * SCALE, 100 * SCALE
    migrate(own_postgres, env=env, cwd=tmp_path)
    made = subprocess.run(
        [HOOKDESK, "accounts", "create", "--name", "Kill Agency", "--database-url", own_postgres],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    api_key = json.loads(made.stdout)["api_key"]

    dispatchers = start_dispatchers(children, own_postgres, 3, env=env, cwd=tmp_path)

    # The API in this process, without a dispatcher: the three above deliver everything.
    settings = api_beside(own_postgres, secret_key, tmp_path)
    database = Database(own_postgres)
    try:
        with TestClient(create_app(settings, database, run_dispatcher=False)) as http:
            http.headers["Authorization"] = f"Bearer {api_key}"
            client_id, category_id, secret = set_up_account(http, flaky.url)
            producer = Producer(http, client_id, category_id, total)
            victim = dispatchers[0]
            killed_leases: dict[str, str | None] = {}
            while len(producer.committed) < total:
                producer.change()
                if victim.poll() is None and len(producer.committed) >= kill_after:
                    found = states(database)
                    backlog = sum(
                        1 for s, _, _ in found.values() if s == WebhookEventStatus.PENDING
                    )
                    if backlog >= 20 and flaky.in_flight() > 0:
                        sigkill(victim)
                        at_kill = states(database)
                        print(
                            f"\n[postgresql] SIGKILL of one dispatcher after "
                            f"{len(producer.committed)} committed changes, with "
                            f"{flaky.in_flight()} requests in flight at the receiver; "
                            f"deliveries: {describe(at_kill)}"
                        )
                        killed_leases = {
                            d: token
                            for d, (s, _, token) in at_kill.items()
                            if s == WebhookEventStatus.PENDING
                        }
            assert victim.poll() is not None, "the backlog never grew: no dispatcher was killed"
            # The two others finish what they sent within the timeout; what stays leased then
            # was the dead dispatcher's.
            time.sleep(DELIVERY_TIMEOUT + 1.5)
            later = states(database)
            orphaned = [
                d
                for d, token in killed_leases.items()
                if token and later[d][0] == WebhookEventStatus.PENDING and later[d][2] == token
            ]
            print(
                f"[postgresql] {len(producer.committed)} changes committed; "
                f"{len(orphaned)} deliveries left leased by the dead dispatcher"
            )
            assert orphaned, "the killed dispatcher held no lease: it was not killed mid-run"
            assert all(process.poll() is None for process in dispatchers[1:])
            flaky.recover()
            settle_and_check("postgresql", producer, flaky, database, secret)
            assert all(process.poll() is None for process in dispatchers[1:])
    finally:
        database.dispose()

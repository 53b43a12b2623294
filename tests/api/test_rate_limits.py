"""Rate limits per API key: a token bucket of `rate_limit_burst` tokens refilled at `rate_limit`
a second. In process on both databases (SQLite keeps its buckets in memory, PostgreSQL in
`rate_limit_buckets`), then real `hookdesk serve` processes sharing one PostgreSQL."""

import math
import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient

from hookdesk.accounts import service as accounts
from hookdesk.app import create_app
from hookdesk.config import Settings
from hookdesk.db import Database
from hookdesk.errors import ErrorCode
from tests.support.api import Api, new_account
from tests.support.processes import HOOKDESK, answers, free_port
from tests.support.waiting import wait_until

A_ROUTE = "/v2/agency/clients/list"


@contextmanager
def limited(settings: Settings, db: Database, *, rate: float, burst: int) -> Iterator[TestClient]:
    update = {"rate_limit": rate, "rate_limit_burst": burst}
    with TestClient(create_app(settings.model_copy(update=update), db)) as client:
        yield client


def assert_refused(response: httpx.Response, *, rate: float) -> int:
    assert response.status_code == 429, response.text
    body = response.json()
    assert body["status"] == 429
    assert body["error_code"] == int(ErrorCode.RATE_LIMITED)
    assert "Too many requests" in body["error"]
    assert response.headers["RateLimit-Remaining"] == "0"
    assert int(response.headers["RateLimit-Reset"]) >= int(response.headers["Retry-After"])
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= math.ceil(1 / rate)
    return retry_after


def test_a_burst_over_the_limit_is_refused_while_another_key_goes_on(
    settings: Settings, db: Database
) -> None:
    with limited(settings, db, rate=0.1, burst=5) as http:
        one, two = new_account(http, db, "One"), new_account(http, db, "Two")
        remaining, resets = [], []
        for _ in range(5):
            response = one.get(A_ROUTE)
            assert response.status_code == 200, response.text
            assert response.headers["RateLimit-Limit"] == "5"
            remaining.append(int(response.headers["RateLimit-Remaining"]))
            resets.append(int(response.headers["RateLimit-Reset"]))
        assert remaining == [4, 3, 2, 1, 0]
        # At 0.1 token a second, each token taken puts the full bucket 10 s further off.
        assert [math.ceil(r / 10) for r in resets] == [1, 2, 3, 4, 5]
        for _ in range(3):
            assert_refused(one.get(A_ROUTE), rate=0.1)
            assert_refused(
                one.post("/v2/agency/clients/create", {"name": "X", "email": "x@example.com"}),
                rate=0.1,
            )
        # The event stream is refused before it starts, with the same JSON answer.
        stream = one.get("/v2/events/stream", session=str(uuid.uuid4()))
        assert_refused(stream, rate=0.1)

        other = two.get(A_ROUTE)
        assert other.status_code == 200
        assert other.headers["RateLimit-Remaining"] == "4"


def test_each_api_key_has_its_own_bucket(settings: Settings, db: Database) -> None:
    with limited(settings, db, rate=0.1, burst=2) as http:
        first = new_account(http, db, "Two Keys")
        with db.write() as session:
            second_key = accounts.create_api_key(session, account_id=first.account_id, name="Two")
        second = Api(http, db, first.account_id, second_key.plaintext)
        assert [first.get(A_ROUTE).status_code for _ in range(3)] == [200, 200, 429]
        assert second.get(A_ROUTE).status_code == 200


def test_a_refused_request_takes_no_token(settings: Settings, db: Database) -> None:
    rate = 2.0
    with limited(settings, db, rate=rate, burst=2) as http:
        api = new_account(http, db, "Eager")
        while api.get(A_ROUTE).status_code == 200:
            pass
        refused = 0

        def accepted_again() -> bool:
            nonlocal refused
            response = api.get(A_ROUTE)
            if response.status_code == 429:
                refused += 1
            return response.status_code == 200

        # Asking again and again, faster than tokens come: were refusals to take tokens, the
        # bucket would only sink further and never let a request through again.
        wait_until(accepted_again, what="a token to come back", timeout=5, every=0)
        assert refused >= 2, "the empty bucket was not asked often enough to show anything"


def test_a_wrong_secret_or_a_revoked_key_takes_no_token(settings: Settings, db: Database) -> None:
    with limited(settings, db, rate=0.1, burst=3) as http:
        api = new_account(http, db, "Careful")
        with db.write() as session:
            spare = accounts.create_api_key(session, account_id=api.account_id, name="Spare")
        wrong = Api(http, db, api.account_id, api.api_key[:-4] + "AAAA")
        revoked = Api(http, db, api.account_id, spare.plaintext)
        assert revoked.get(A_ROUTE).headers["RateLimit-Remaining"] == "2"
        revoking = api.post(f"/v2/agency/api-keys/revoke/{spare.row.public_id}")
        assert revoking.status_code == 200, revoking.text
        assert revoking.headers["RateLimit-Remaining"] == "2"
        for _ in range(3):
            refused = wrong.get(A_ROUTE)
            assert refused.json()["error_code"] == int(ErrorCode.API_KEY_INVALID)
            assert "RateLimit-Remaining" not in refused.headers
            refused = revoked.get(A_ROUTE)
            assert refused.json()["error_code"] == int(ErrorCode.API_KEY_REVOKED)
        assert api.get(A_ROUTE).headers["RateLimit-Remaining"] == "1"


def test_tokens_come_back_at_the_configured_rate(settings: Settings, db: Database) -> None:
    rate, burst, refills = 10.0, 3, 10
    with limited(settings, db, rate=rate, burst=burst) as http:
        api = new_account(http, db, "Patient")
        accepted, retry_afters, remaining = 0, set(), []
        started = time.monotonic()

        def accepted_enough() -> bool:
            nonlocal accepted
            response = api.get(A_ROUTE)
            if response.status_code == 200:
                accepted += 1
                remaining.append(int(response.headers["RateLimit-Remaining"]))
            else:
                retry_afters.add(assert_refused(response, rate=rate))
            return accepted == burst + refills

        # Without a pause: asked faster than tokens come, some requests are refused.
        wait_until(accepted_enough, what=f"{refills} tokens to come back", timeout=10, every=0)
        elapsed = time.monotonic() - started
        # No faster than the rate allows (with a little room for the clocks' granularity) ...
        assert elapsed >= refills / rate * 0.9
        # ... the bucket never holds more than its capacity, and the wait is under a second.
        assert max(remaining) == burst - 1
        assert retry_afters == {1}


def test_no_limit_and_no_headers_when_the_rate_is_0(api: Api) -> None:
    answers = [api.get(A_ROUTE) for _ in range(120)]
    assert {answer.status_code for answer in answers} == {200}
    assert "RateLimit-Limit" not in answers[-1].headers


# --- real `hookdesk serve` processes ----------------------------------------------------------


@contextmanager
def serving(database_url: str, folder: Path, *, rate: float, burst: int) -> Iterator[str]:
    """`hookdesk serve` on the given database; its base URL."""
    port = free_port()
    env = {name: value for name, value in os.environ.items() if not name.startswith("HOOKDESK_")}
    env |= {
        "HOOKDESK_SECRET_KEY": Fernet.generate_key().decode(),
        "HOOKDESK_DATA_DIR": str(folder / "data"),
        "HOOKDESK_RATE_LIMIT": str(rate),
        "HOOKDESK_RATE_LIMIT_BURST": str(burst),
    }
    log = folder / f"serve-{port}.log"
    command = [HOOKDESK, "serve", "--port", str(port), "--database-url", database_url]
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=folder, env=env, stdout=output, stderr=output)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _answers(url, process, log), what="hookdesk serve to start", timeout=30)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def _answers(url: str, process: subprocess.Popen[bytes], log: Path) -> bool:
    assert process.poll() is None, f"hookdesk serve exited: {log.read_text()}"
    return answers(f"{url}/healthz")


def key_of(db: Database, name: str) -> dict[str, str]:
    with db.write() as session:
        created = accounts.create(session, name=name)
    return {"Authorization": f"Bearer {created.api_key}"}


@pytest.mark.slow  # a process of its own
def test_two_serve_processes_share_each_key_s_bucket(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite is served by one process: its buckets are in that process's memory")
    rate, burst, duration, senders = 5.0, 10, 2.0, 4
    busy, calm = key_of(db, "Busy"), key_of(db, "Calm")
    with (
        serving(database_url, tmp_path, rate=rate, burst=burst) as first,
        serving(database_url, tmp_path, rate=rate, burst=burst) as second,
    ):
        statuses: dict[str, list[int]] = {first: [], second: []}
        started = time.monotonic()

        def send_alternately(offset: int) -> None:
            urls = (first, second)[offset % 2 :] + (first, second)[: offset % 2]
            with httpx.Client(timeout=10) as http:
                # At least `duration`, and on until each process has refused one: a busy machine
                # may not send the burst in `duration`. The bound below counts the time taken.
                while time.monotonic() - started < duration or not all(
                    429 in codes for codes in statuses.values()
                ):
                    assert time.monotonic() - started < 120, statuses
                    for url in urls:
                        response = http.get(url + A_ROUTE, headers=busy)
                        statuses[url].append(response.status_code)
                        if response.status_code == 429:
                            assert int(response.headers["Retry-After"]) == 1

        # Several senders at once, so that both processes take from the bucket concurrently.
        with ThreadPoolExecutor(senders) as pool:
            list(pool.map(send_alternately, range(senders)))
        elapsed = time.monotonic() - started
        accepted = sum(codes.count(200) for codes in statuses.values())
        # One bucket for both processes: two buckets would let through about twice as many.
        assert burst <= accepted <= burst + rate * elapsed + 1, (accepted, elapsed)
        for url, codes in statuses.items():
            assert set(codes) == {200, 429}, url
            assert httpx.get(url + A_ROUTE, headers=calm).status_code == 200


@pytest.mark.slow  # a process of its own
def test_the_event_stream_takes_one_token_per_connection(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    headers = key_of(db, "Listener")
    with serving(database_url, tmp_path, rate=0.01, burst=5) as url, httpx.Client() as http:
        params = {"session": str(uuid.uuid4())}
        with http.stream("GET", f"{url}/v2/events/stream", params=params, headers=headers) as sse:
            assert sse.status_code == 200
            assert sse.headers["RateLimit-Remaining"] == "4"
            # While it stays open, other requests take their own tokens, the stream no more.
            for left in ("3", "2"):
                response = http.get(url + A_ROUTE, headers=headers)
                assert response.headers["RateLimit-Remaining"] == left
        after = http.get(url + A_ROUTE, headers=headers)
        assert after.headers["RateLimit-Remaining"] == "1"

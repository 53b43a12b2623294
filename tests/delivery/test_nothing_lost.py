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

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import standardwebhooks
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from psycopg import sql
from sqlalchemy import select
from sqlalchemy.engine import make_url

from hookdesk.app import create_app
from hookdesk.config import Settings
from hookdesk.db import Database
from hookdesk.models.webhooks import OutboxEvent, WebhookEvent
from hookdesk.webhooks.catalog import EventType
from hookdesk.webhooks.statuses import WebhookEventStatus
from tests.support.receivers import Received, Receiver, Reply

pytestmark = pytest.mark.slow

HOOKDESK = str(Path(sys.executable).parent / "hookdesk")
POSTGRES_URL = os.environ.get(
    "HOOKDESK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
ALL_EVENTS = [event_type.value for event_type in EventType]
RETRY_SCHEDULE = "0.3,0.3,0.5,1,1,2,2"  # 8 attempts: far more than the receiver ever fails
DELIVERY_TIMEOUT = 2.0
LEASE_MARGIN = 3.0
LEASE_SECONDS = DELIVERY_TIMEOUT + LEASE_MARGIN  # how long a dead dispatcher's claims stay taken
SETTLE_TIMEOUT = LEASE_SECONDS + 60.0  # every event delivered within this after the last change
START_TIMEOUT = 30.0
SLOW = 0.5  # seconds the receiver takes to answer until it recovers
# Concurrent requests per endpoint for each of the three dispatchers: 3 x 4 requests per `SLOW`
# seconds are fewer than the API makes changes, so a backlog builds up for the dispatchers.
DISPATCHER_ENDPOINT_CONCURRENCY = 4
TICKET_EVERY = 4  # one change in four opens a ticket, the others reply to one
# The suite runs a short form; HOOKDESK_CHAOS_SCALE=20 runs each scenario twenty times as long.
SCALE = int(os.environ.get("HOOKDESK_CHAOS_SCALE", "1"))

JsonObject = dict[str, Any]


# --- the receiver ----------------------------------------------------------------------------


class FlakyReceiver(Receiver):
    """Until `recover()`: answers after `SLOW` seconds and fails the first 0, 1 or 2 attempts of
    each event (by its `webhook-id`), with a 500, a 503, a connection reset, or by hanging past the
    delivery timeout. Then: 200 at once.

    It counts, per event id, the attempts and the acceptances (2xx answers); an event accepted
    more than once is a duplicate."""

    FAILURES = (
        Reply(status=500, delay=SLOW),
        Reply(status=503, delay=SLOW),
        Reply(reset=True),
        Reply(status=503, delay=DELIVERY_TIMEOUT + 0.5),  # hangs: the dispatcher gives up first
    )

    def __init__(self) -> None:
        self.healthy = False
        self.attempts: Counter[str] = Counter()
        self.accepted: Counter[str] = Counter()
        self.bodies: dict[str, JsonObject] = {}
        self.accepted_requests: list[Received] = []
        self.inconsistent: list[str] = []  # requests whose body event_id is not the webhook-id
        self._busy_until: list[float] = []
        super().__init__()
        self._server.handle_error = self._handle_error  # type: ignore[method-assign]

    def _handle_error(self, request: Any, client_address: Any) -> None:
        # A killed dispatcher leaves the answer nobody to go to: that is expected here.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            ThreadingHTTPServer.handle_error(self._server, request, client_address)

    def recover(self) -> None:
        with self._lock:
            self.healthy = True

    def in_flight(self) -> int:
        """Requests received and not answered yet."""
        now = time.monotonic()
        with self._lock:
            return sum(1 for until in self._busy_until if until > now)

    def snapshot(self) -> tuple[Counter[str], dict[str, JsonObject]]:
        with self._lock:
            return Counter(self.accepted), dict(self.bodies)

    def _next_reply(self, request: Received) -> Reply:
        super()._next_reply(request)  # keeps it in `received`
        event_id = request.headers.get("webhook-id", "")
        body = json.loads(request.body)
        with self._lock:
            if body.get("event_id") != event_id:
                self.inconsistent.append(event_id)
            self.attempts[event_id] += 1
            reply = self._reply_to(event_id, self.attempts[event_id])
            if 200 <= reply.status < 300 and not reply.reset:
                self.accepted[event_id] += 1
                self.bodies.setdefault(event_id, body)
                self.accepted_requests.append(request)
            self._busy_until.append(time.monotonic() + reply.delay)
            return reply

    def _reply_to(self, event_id: str, attempt: int) -> Reply:
        if self.healthy:
            return Reply()
        failures = zlib.crc32(event_id.encode()) % 3
        if attempt <= failures:
            return self.FAILURES[(attempt + failures) % len(self.FAILURES)]
        return Reply(delay=SLOW)


# --- processes -------------------------------------------------------------------------------


def child_env(tmp_path: Path, secret_key: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("HOOKDESK_")}
    env.update(
        HOOKDESK_SECRET_KEY=secret_key,  # the same key everywhere: every process opens the secrets
        HOOKDESK_RETRY_SCHEDULE=RETRY_SCHEDULE,
        HOOKDESK_DELIVERY_TIMEOUT=str(DELIVERY_TIMEOUT),
        HOOKDESK_LEASE_MARGIN=str(LEASE_MARGIN),
        HOOKDESK_SHUTDOWN_TIMEOUT="1",
        HOOKDESK_DATA_DIR=str(tmp_path / "data"),
        HOOKDESK_RATE_LIMIT="0",  # the producer makes changes as fast as the API takes them
    )
    return env


def start(
    children: list[subprocess.Popen[bytes]],
    args: list[str],
    *,
    env: dict[str, str],
    cwd: Path,
    logs: str,
) -> subprocess.Popen[bytes]:
    """Start `hookdesk *args`; its stdout and stderr go to files named after `logs` in `cwd`
    (uvicorn logs every request on stdout: a pipe nobody reads would fill up and block it)."""
    with (cwd / f"{logs}.out").open("wb") as out, (cwd / f"{logs}.err").open("wb") as err:
        process = subprocess.Popen([HOOKDESK, *args], cwd=cwd, env=env, stdout=out, stderr=err)
    children.append(process)
    return process


def wait_for_line(process: subprocess.Popen[bytes], path: Path, contains: str) -> str:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        for line in path.read_text(errors="replace").splitlines(keepends=True):
            if contains in line and line.endswith("\n"):
                return line
        if process.poll() is not None:
            raise AssertionError(f"{process.args!r} ended with {process.returncode}: {tail(path)}")
        time.sleep(0.05)
    raise AssertionError(f"no line with {contains!r} in {path}: {tail(path)}")


def wait_until_up(process: subprocess.Popen[bytes], url: str, stderr: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the service ended with {process.returncode}: {tail(stderr)}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.05)
    raise AssertionError(f"the service did not start: {tail(stderr)}")


def tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def sigkill(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=10) == -signal.SIGKILL


# --- the changes -----------------------------------------------------------------------------


def marker_of(body: JsonObject) -> str:
    """The unique text a change left in its event: the ticket title, or the reply text."""
    data = body["data"]
    if body["event_type"] == EventType.TICKET_CREATED:
        return str(data["ticket"]["title"])
    return str(data["reply"]["text"])


@dataclass
class Producer:
    """Makes `total` confirmed changes, each with a new marker: a ticket (the title is the marker)
    or a reply to one of them (the reply text is). A change whose connection broke after it was
    sent may or may not have been committed: it is `uncertain`, and never sent again."""

    http: httpx.Client
    client_id: str
    category_id: str
    total: int
    committed: set[str] = field(default_factory=set)  # answered 200: its event must arrive
    uncertain: set[str] = field(default_factory=set)
    refused: int = 0  # could not connect (the service was down): not committed, tried again
    unavailable: int = 0  # answered 503: the database was away
    rejected: dict[str, int] = field(default_factory=dict)  # answered, but not 200
    tickets: list[str] = field(default_factory=list)
    error: BaseException | None = None
    _n: int = 0

    def run(self, deadline: float) -> None:
        try:
            while len(self.committed) < self.total:
                assert time.monotonic() < deadline, f"only {len(self.committed)} changes made"
                self.change()
        except BaseException as error:
            self.error = error
            raise

    def change(self) -> None:
        self._n += 1
        marker = f"change-{self._n}"
        if not self.tickets or self._n % TICKET_EVERY == 1:
            path = "/v2/agency/tickets/create"
            body: JsonObject = {
                "client_id": self.client_id,
                "category": self.category_id,
                "title": marker,
                "description": "It does not work.",
            }
        else:
            ticket_id = self.tickets[self._n % len(self.tickets)]
            path = f"/v2/agency/tickets/reply/create/{ticket_id}"
            body = {"reply": marker, "is_client_reply": self._n % 2 == 0}
        while True:
            try:
                response = self.http.post(path, json=body)
            except httpx.ConnectError:
                self.refused += 1  # nothing was sent: try the same change again
                time.sleep(0.05)
                continue
            except httpx.TransportError:
                self.uncertain.add(marker)
                time.sleep(0.05)
                return
            break
        if response.status_code == 503:
            # The database went away while the change was being made: it may have committed.
            self.uncertain.add(marker)
            self.unavailable += 1
            time.sleep(0.05)
            return
        if response.status_code != 200:
            self.rejected[marker] = response.status_code
            return
        self.committed.add(marker)
        if path.endswith("/create"):
            self.tickets.append(response.json()["ticket"]["id"])


def set_up_account(http: httpx.Client, receiver_url: str) -> tuple[str, str, str]:
    """A client, a ticket category and an endpoint for every ticket event: their ids and the
    endpoint's secret."""

    def ok(path: str, body: JsonObject, name: str) -> JsonObject:
        response = http.post(path, json=body)
        assert response.status_code == 200, response.text
        return dict(response.json()[name])

    client = ok(
        "/v2/agency/clients/create", {"name": "James Doe", "email": "james@example.com"}, "client"
    )
    category = ok(
        "/v2/agency/ticket-categories/create",
        {"title": "General Support", "language": "en"},
        "ticket_category",
    )
    endpoint = ok(
        "/v2/webhook-endpoints/create",
        {"url": receiver_url, "events": ALL_EVENTS},
        "webhook_endpoint",
    )
    return str(client["id"]), str(category["id"]), str(endpoint["secret"])


# --- the database ------------------------------------------------------------------------------


def states(database: Database) -> dict[str, tuple[str, int, str | None]]:
    """Every delivery: its status, attempt count and lease token."""
    with database.read() as session:
        rows = session.execute(
            select(
                WebhookEvent.id,
                WebhookEvent.status,
                WebhookEvent.attempt_count,
                WebhookEvent.lease_token,
            )
        )
        return {row[0]: (row[1], row[2], row[3]) for row in rows}


def event_count(database: Database) -> int:
    with database.read() as session:
        return len(session.scalars(select(OutboxEvent.id)).all())


def describe(found: dict[str, tuple[str, int, str | None]]) -> str:
    statuses = Counter(status for status, _count, _token in found.values())
    leased = sum(
        1 for status, _c, token in found.values() if status == WebhookEventStatus.PENDING and token
    )
    retrying = sum(
        1
        for status, count, _t in found.values()
        if status == WebhookEventStatus.PENDING and count > 0
    )
    return f"{dict(statuses)}, {leased} leased, {retrying} pending after a failed attempt"


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g} s: {what}")
        time.sleep(0.05)


# --- the verdict -----------------------------------------------------------------------------


@dataclass
class Production:
    """Changes being made by a `Producer` on a thread of their own (see `producing`)."""

    producer: Producer
    secret: str  # the endpoint's
    deadline: float
    thread: threading.Thread

    def reached(self, count: int) -> bool:
        """True once `count` changes are committed; a failure to make them is raised here."""
        if self.producer.error is not None:
            raise AssertionError("making changes failed") from self.producer.error
        return len(self.producer.committed) >= count

    def finish(self) -> None:
        """Waits for the last change, which must have been made without error."""
        self.thread.join(timeout=max(self.deadline - time.monotonic(), 0) + 10)
        assert self.producer.error is None, self.producer.error
        assert not self.thread.is_alive()


@contextlib.contextmanager
def producing(
    http: httpx.Client, receiver_url: str, total: int, *, seconds: float
) -> Iterator[Production]:
    """`total` changes made on a thread while the block runs, for an account set up to send
    every ticket event to `receiver_url`."""
    client_id, category_id, secret = set_up_account(http, receiver_url)
    producer = Producer(http, client_id, category_id, total)
    deadline = time.monotonic() + seconds
    thread = threading.Thread(target=producer.run, args=(deadline,), daemon=True)
    thread.start()
    try:
        yield Production(producer, secret, deadline, thread)
    finally:
        producer.total = 0  # stops the thread, should the test have failed


def settle_and_check(
    name: str,
    producer: Producer,
    receiver: FlakyReceiver,
    database: Database,
    secret: str,
) -> None:
    """Wait (bounded) until every committed change's event was accepted and the database has no
    delivery left to do, then check and print the outcome."""

    def settled() -> bool:
        _accepted, bodies = receiver.snapshot()
        arrived = {marker_of(body) for body in bodies.values()}
        found = states(database)
        return producer.committed <= arrived and all(
            s == WebhookEventStatus.DELIVERED for s, _, _ in found.values()
        )

    try:
        wait_until(settled, SETTLE_TIMEOUT, "every committed event delivered")
    finally:
        accepted, bodies = receiver.snapshot()
        found = states(database)
        arrived = Counter(marker_of(body) for body in bodies.values())
        lost = producer.committed - set(arrived)
        duplicates = sum(accepted.values()) - len(accepted)
        print(
            f"\n[{name}] committed {len(producer.committed)} changes "
            f"(+{len(producer.uncertain)} uncertain, {len(producer.rejected)} rejected, "
            f"{producer.unavailable} answered 503, {producer.refused} refused connections); "
            f"events in the database "
            f"{event_count(database)}, deliveries {describe(found)}; receiver: "
            f"{sum(receiver.attempts.values())} requests, {len(accepted)} events delivered, "
            f"{duplicates} duplicates (in {sum(1 for n in accepted.values() if n > 1)} events), "
            f"lost {len(lost)} (deliveries in the database never accepted: "
            f"{len(set(found) - set(accepted))})"
        )
    assert not lost, f"committed changes whose event never arrived: {sorted(lost)}"
    assert not receiver.inconsistent, receiver.inconsistent
    # Every delivery in the database arrived, and nothing else did.
    assert set(found) == set(accepted)
    assert {status for status, _count, _token in found.values()} == {WebhookEventStatus.DELIVERED}
    assert event_count(database) == len(found)  # one endpoint: one delivery per event
    # Each change made one event: no marker twice, and none but those tried.
    assert max(arrived.values()) == 1
    assert set(arrived) <= producer.committed | producer.uncertain
    assert not set(arrived) & set(producer.rejected)
    # The signatures hold, including those made after a restart or by another dispatcher.
    webhook = standardwebhooks.Webhook(secret)
    for request in receiver.accepted_requests:
        webhook.verify(request.body, request.headers)


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

            wait_until(mid_run, 30, "changes made while deliveries are in flight and retrying")
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


@pytest.fixture
def own_postgres() -> Iterator[str]:
    """A PostgreSQL database of this test's own, dropped at the end (others use `test`)."""
    base = make_url(POSTGRES_URL).set(drivername="postgresql")
    name = f"hookdesk_kill_{secrets.token_hex(4)}"
    admin = base.set(database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


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
    migrated = subprocess.run(
        [HOOKDESK, "migrate", "--database-url", own_postgres],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert migrated.returncode == 0, migrated.stderr
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

    dispatchers = []
    for n in range(3):
        dispatchers.append(
            start(
                children,
                ["dispatcher", "--dev", "--database-url", own_postgres],
                env=env,
                cwd=tmp_path,
                logs=f"dispatcher-{n}",
            )
        )
    for n, process in enumerate(dispatchers):
        wait_for_line(process, tmp_path / f"dispatcher-{n}.err", "dispatcher started")

    # The API in this process, without a dispatcher: the three above deliver everything.
    settings = Settings(
        database_url=own_postgres,
        dev=True,
        secret_key=secret_key,
        data_dir=tmp_path / "data",
        public_url="http://testserver",
        rate_limit=0,
    )
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

"""The machinery of the crash scenarios (tests/delivery/test_nothing_lost.py and
test_database_restart.py): `hookdesk` processes started and killed, a receiver that fails and
hangs until it recovers, a producer making changes through the API, and the verdict (every
committed event delivered at least once).
"""

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import standardwebhooks
from sqlalchemy import select

from hookdesk.config import Settings
from hookdesk.db import Database
from hookdesk.models.webhooks import OutboxEvent, WebhookEvent
from hookdesk.webhooks.catalog import EventType
from hookdesk.webhooks.statuses import WebhookEventStatus
from tests.support.processes import HOOKDESK, answers
from tests.support.receivers import Received, Receiver, Reply
from tests.support.waiting import wait_until

POSTGRES_URL = os.environ.get(
    "HOOKDESK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
ALL_EVENTS = [event_type.value for event_type in EventType]
RETRY_SCHEDULE = "0.3,0.3,0.5,1,1,2,2"  # 8 attempts: far more than the receiver ever fails
DELIVERY_TIMEOUT = 2.0
LEASE_MARGIN = 3.0
LEASE_SECONDS = DELIVERY_TIMEOUT + LEASE_MARGIN  # how long a dead dispatcher's claims stay taken
SETTLE_TIMEOUT = LEASE_SECONDS + 60.0  # every event delivered within this after the last change
# How long a process may take to start: a guard against one that never does, not a measure. A
# busy machine has taken 11 s to start one `hookdesk dispatcher`, and some tests start three.
START_TIMEOUT = 120.0
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


def migrate(database_url: str, *, env: dict[str, str], cwd: Path) -> None:
    """`hookdesk migrate` on that database, to its end."""
    migrated = subprocess.run(
        [HOOKDESK, "migrate", "--database-url", database_url],
        env=env,
        cwd=cwd,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert migrated.returncode == 0, migrated.stderr


def start_dispatchers(
    children: list[subprocess.Popen[bytes]],
    database_url: str,
    count: int,
    *,
    env: dict[str, str],
    cwd: Path,
) -> list[subprocess.Popen[bytes]]:
    """`count` `hookdesk dispatcher` processes on that database, each past "dispatcher started"."""
    started = [
        start(
            children,
            ["dispatcher", "--dev", "--database-url", database_url],
            env=env,
            cwd=cwd,
            logs=f"dispatcher-{n}",
        )
        for n in range(count)
    ]
    for n, process in enumerate(started):
        wait_for_line(process, cwd / f"dispatcher-{n}.err", "dispatcher started")
    return started


def api_beside(database_url: str, secret_key: str, tmp_path: Path) -> Settings:
    """The settings of an API in the test's own process beside dispatcher processes (the app made
    with `run_dispatcher=False`), with no rate limit: the processes deliver everything."""
    return Settings(
        database_url=database_url,
        dev=True,
        secret_key=secret_key,
        data_dir=tmp_path / "data",
        public_url="http://testserver",
        rate_limit=0,
    )


def wait_for_line(process: subprocess.Popen[bytes], path: Path, contains: str) -> str:
    def found() -> str | None:
        for line in path.read_text(errors="replace").splitlines(keepends=True):
            if contains in line and line.endswith("\n"):
                return line
        if process.poll() is not None:
            raise AssertionError(f"{process.args!r} ended with {process.returncode}: {tail(path)}")
        return None

    line = wait_until(found, what=f"a line with {contains!r} in {path}", timeout=START_TIMEOUT)
    assert line is not None
    return line


def wait_until_up(process: subprocess.Popen[bytes], url: str, stderr: Path) -> None:
    def up() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"the service ended with {process.returncode}: {tail(stderr)}")
        return answers(f"{url}/healthz")

    wait_until(up, what=f"the service to start ({stderr})", timeout=START_TIMEOUT)


def tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


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
        wait_until(settled, what="every committed event delivered", timeout=SETTLE_TIMEOUT)
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

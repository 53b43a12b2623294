"""Webhook delivery: the dispatcher's throughput beside a bare aiohttp loop, the latency from
the API's answer to the receiver, and a hanging endpoint's effect on a fast one.

Every process runs on this machine and talks over 127.0.0.1 only:

- the receiver: this file with `--serve-receiver`, a raw asyncio (uvloop) HTTP/1.1 server
  that answers 200 "ok" and counts (and, for part 2, timestamps) what arrives; it can also
  listen on a second port where it never answers (the hanging endpoint);
- the bare loop: this file with `--bare-loop`, one aiohttp ClientSession, set up as the
  dispatcher's sender was before its own HTTP/1.1 client, POSTing a real event body with the real
  headers, N in flight;
- `hookdesk dispatcher` (part 1 and 3) on a fresh SQLite file prefilled in bulk with events and
  their due deliveries (rows as webhooks/outbox/fanout.py writes them), and `hookdesk serve --dev`
  (part 2), which runs the dispatcher in-process.

This process prefills, starts and stops the others, polls the receiver's counts every
`--poll` seconds with the CPU time of every process, and measures rates over the steady part.

    python bench/dispatch.py                      # all three parts, about 1.5 minutes
    python bench/dispatch.py --parts throughput --deliveries 50000
    python bench/dispatch.py --json               # the same figures as JSON on stdout
    python bench/dispatch.py --profile /tmp/d.txt # py-spy the dispatcher of part 1

Progress goes to stderr. The exit status is 1 when a run failed (errors, lost deliveries).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `python bench/dispatch.py` too

from bench.common import (
    FAILURES,
    HOST,
    Client,
    Server,
    create_account,
    exact_command,
    fmt_ratio,
    free_port,
    get_json,
    hookdesk_command,
    machine,
    positive_float,
    positive_int,
    post_json,
    progress,
    raw_request,
    render_table,
    run_async,
    running,
    server_env,
    spawned,
    terminate,
    ticket_body,
)

if TYPE_CHECKING:  # hookdesk is imported where it is used: the receiver needs none of it
    from sqlalchemy.orm import Session

    from hookdesk.shared.secretbox import SecretBox

PARTS = ("throughput", "latency", "isolation")
OK = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"
EVENT_TYPE = "whitelabel.ticket.created"
STEADY = (0.1, 0.9)  # part 1 measures between these shares of the deliveries counted
CHUNK = 2000  # events per INSERT while prefilling
DELIVERY_TIMEOUT_S = 15.0  # the bare loop's, as HOOKDESK_DELIVERY_TIMEOUT's default
TARGETS = {"ratio": 0.5, "p50_ms": 10.0, "p99_ms": 50.0, "isolation": 0.9}


# --- the receiver (its own process) --------------------------------------------------------


@dataclass
class Arrivals:
    """What the receiver saw: hooks answered, requests left hanging, and ids."""

    record: bool
    hooks: int = 0
    hang: int = 0
    connections: int = 0
    ids: set[bytes] = field(default_factory=set)
    tickets: dict[str, float] = field(default_factory=dict)  # ticket id -> first arrival
    fanout: dict[str, list[float]] = field(default_factory=dict)  # ticket id -> [count, last]

    def hook(self, head: bytes, body: bytes) -> None:
        self.hooks += 1
        self.ids.add(header_value(head, b"webhook-id") or b"")
        if self.record:
            at = time.time()
            ticket_id = json.loads(body)["data"]["ticket"]["id"]
            self.tickets.setdefault(ticket_id, at)
            seen = self.fanout.setdefault(ticket_id, [0, at])
            seen[0] += 1
            seen[1] = at

    def stats(self) -> dict[str, int]:
        distinct, connections = len(self.ids), self.connections
        return {"hooks": self.hooks, "distinct": distinct, "hang": self.hang, "conns": connections}


def header_value(head: bytes, name: bytes) -> bytes | None:
    start = head.lower().find(b"\r\n" + name + b":")
    if start < 0:
        return None
    start += len(name) + 3
    end = head.find(b"\r\n", start)
    return head[start : None if end < 0 else end].strip()


class ReceiverProtocol(asyncio.Protocol):
    """HTTP/1.1 keep-alive, one request after another; a hanging one reads and never answers."""

    def __init__(self, arrivals: Arrivals, *, hang: bool) -> None:
        self.arrivals = arrivals
        self.hang = hang
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.hooked = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        self.hooked = False  # a connection is counted at its first hook (polls are not)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (request := self.next_request()) is not None:
            self.answer(*request)

    def next_request(self) -> tuple[bytes, bytes] | None:
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return None
        head = bytes(self.buffer[:end])
        total = end + 4 + int(header_value(head, b"content-length") or 0)
        if len(self.buffer) < total:
            return None
        body = bytes(self.buffer[end + 4 : total])
        del self.buffer[:total]
        return head, body

    def answer(self, head: bytes, body: bytes) -> None:
        assert self.transport is not None
        if self.hang:
            self.arrivals.hang += 1
            return
        path = head.split(b" ", 2)[1]
        if path == b"/stats":
            self.transport.write(json_answer(self.arrivals.stats()))
        elif path == b"/arrivals":
            self.transport.write(json_answer(self.arrivals.tickets))
        elif path == b"/fanout":
            self.transport.write(json_answer(self.arrivals.fanout))
        elif path == b"/healthz":
            self.transport.write(OK)
        else:
            self.arrivals.connections += not self.hooked
            self.hooked = True
            self.arrivals.hook(head, body)
            self.transport.write(OK)


def json_answer(content: object) -> bytes:
    body = json.dumps(content).encode()
    head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}"
    return f"{head}\r\n\r\n".encode() + body


async def serve_receiver(port: int, hang_port: int | None, record: bool) -> None:
    loop = asyncio.get_running_loop()
    arrivals = Arrivals(record)
    stop = asyncio.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(number, stop.set)
    servers = [
        await loop.create_server(
            lambda: ReceiverProtocol(arrivals, hang=False), HOST, port, backlog=2048
        )
    ]
    if hang_port is not None:
        servers.append(
            await loop.create_server(
                lambda: ReceiverProtocol(arrivals, hang=True), HOST, hang_port, backlog=2048
            )
        )
    await stop.wait()
    for server in servers:
        server.close()


# --- the bare loop (its own process) -------------------------------------------------------


def sample_delivery() -> tuple[bytes, dict[str, str]]:
    """A real event body and the headers the dispatcher sends with it, signed once."""
    from hookdesk.receiver.signing import new_secret, secret_key, signature_headers
    from hookdesk.shared.ids import new_id
    from hookdesk.webhooks.catalog import EventType
    from hookdesk.webhooks.ids import new_webhook_event_id
    from hookdesk.webhooks.outbox.samples import sample_data
    from hookdesk.webhooks.payloads import render_body, serialize

    event_id = new_webhook_event_id()
    _ticket, data = sample_data(EventType.TICKET_CREATED, at=int(time.time()))
    body = render_body(
        event_id=event_id,
        event_type=EVENT_TYPE,
        api_version=2,
        data_json=serialize(data),
        endpoint_id=new_id(),
    )
    signed = signature_headers([secret_key(new_secret())], event_id, int(time.time()), body)
    return body, {"Content-Type": "application/json", **signed}


async def bare_loop(url: str, requests: int, concurrency: int, timeout: float) -> dict[str, int]:
    """POSTs `requests` times with `concurrency` in flight, as the dispatcher's sender did with
    aiohttp, before its own HTTP/1.1 client (webhooks/dispatch/http1.py): the yardstick kept."""
    import aiohttp

    from hookdesk.webhooks.dispatch.prepare import USER_AGENT

    body, headers = sample_delivery()
    left, errors = [requests], Counter[str]()
    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=0, ttl_dns_cache=60)
    session = aiohttp.ClientSession(
        connector=connector,
        timeout=aiohttp.ClientTimeout(total=timeout),
        headers={"User-Agent": USER_AGENT},
        skip_auto_headers=("Accept", "Accept-Encoding"),
    )

    async def worker() -> None:
        while left[0] > 0:
            left[0] -= 1
            try:
                async with session.post(
                    url, data=body, headers=dict(headers), allow_redirects=False
                ) as response:
                    await response.content.read(2048)
                    if response.status != 200:
                        errors[f"HTTP {response.status}"] += 1
            except Exception as error:  # counted, as the sender turns failures into results
                errors[type(error).__name__] += 1

    async with session:
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return dict(errors)


# --- prefilling a database -----------------------------------------------------------------


def fresh_database(workdir: Path, stem: str) -> str:
    """The URL of a new SQLite file in `workdir`: `<stem>-<n>.db`."""
    n = 1
    while (workdir / f"{stem}-{n}.db").exists():
        n += 1
    return f"sqlite:///{workdir / f'{stem}-{n}.db'}"


def prefill(database_url: str, secret_key: str, urls: list[str], events: int, sync: str) -> None:
    """A fresh database with one account, one endpoint per URL subscribed to ticket.created,
    and `events` events, each fanned out to every endpoint (deliveries interleaved, all due)."""
    from hookdesk.db import Database
    from hookdesk.migrations.migrate import prepare
    from hookdesk.shared.secretbox import SecretBox

    database = Database(database_url, sqlite_synchronous=sync)
    try:
        prepare(database.engine)
        with database.transaction() as session:
            account_id, endpoint_ids = add_account(session, SecretBox(secret_key), urls)
            insert_backlog(session, account_id, endpoint_ids, events)
    finally:
        database.dispose()


def add_account(session: Session, box: SecretBox, urls: list[str]) -> tuple[str, list[str]]:
    from hookdesk.accounts import service as accounts
    from hookdesk.accounts.acting import Acting, ApiKey
    from hookdesk.webhooks.catalog import EventType
    from hookdesk.webhooks.endpoints import service as webhooks
    from hookdesk.webhooks.endpoints.schemas import EndpointCreate

    account_id = accounts.create(session, name="Bench").account_id
    acting = Acting(account_id, ApiKey("bench"), public_url="http://localhost", dev=True, box=box)
    endpoint_ids = []
    for url in urls:
        data = EndpointCreate(url=url, events=[EventType.TICKET_CREATED])
        endpoint_ids.append(webhooks.create(session, acting, data)[0].id)
    return account_id, endpoint_ids


def insert_backlog(session: Session, account_id: str, endpoint_ids: list[str], events: int) -> None:
    from sqlalchemy import insert

    from hookdesk.models.webhooks import OutboxEvent, WebhookEvent

    due = time.time() - 1.0
    for first in range(1, events + 1, CHUNK):
        event_rows, delivery_rows = [], []
        for seq in range(first, min(first + CHUNK, events + 1)):
            event = event_row(account_id, seq, int(due))
            event_rows.append(event)
            delivery_rows += [
                delivery_row(event, endpoint_id, due + seq * 1e-6) for endpoint_id in endpoint_ids
            ]
        session.execute(insert(OutboxEvent), event_rows)
        session.execute(insert(WebhookEvent), delivery_rows)


def event_row(account_id: str, seq: int, at: int) -> dict[str, Any]:
    from hookdesk.webhooks.catalog import EventType
    from hookdesk.webhooks.outbox.samples import sample_data
    from hookdesk.webhooks.payloads import serialize

    ticket_id, data = sample_data(EventType.TICKET_CREATED, at=at)
    return {
        "id": seq,
        "account_id": account_id,
        "event_type": EVENT_TYPE,
        "ticket_id": ticket_id,
        "data": serialize(data),
        "created_at": at,
    }


def delivery_row(event: dict[str, Any], endpoint_id: str, due: float) -> dict[str, Any]:
    from hookdesk.webhooks.ids import new_webhook_event_id

    return {
        "id": new_webhook_event_id(),
        "account_id": event["account_id"],
        "event_seq": event["id"],
        "endpoint_id": endpoint_id,
        "event_type": EVENT_TYPE,
        "ticket_id": event["ticket_id"],
        "ordered": False,
        "status": "pending",
        "attempt_count": 0,
        "next_attempt_at": due,
        "created_at": event["created_at"],
    }


def database_counts(database_url: str) -> dict[str, int]:
    """Deliveries by status, attempts, and attempts that timed out."""
    from sqlalchemy import text

    from hookdesk.db import Database

    database = Database(database_url)
    try:
        with database.transaction(write=False) as session:
            statuses = session.execute(
                text("SELECT status, count(*) FROM deliveries GROUP BY status")
            )
            counts = {str(status): int(n) for status, n in statuses}
            counts["attempts"] = session.scalar(text("SELECT count(*) FROM attempts")) or 0
            counts["timeouts"] = (
                session.scalar(text("SELECT count(*) FROM attempts WHERE error LIKE 'timeout%'"))
                or 0
            )
    finally:
        database.dispose()
    return counts


def wait_recorded(database_url: str, timeout: float) -> float | None:
    """The monotonic time when no delivery is pending any more (None: not within `timeout`)."""
    from sqlalchemy import text

    from hookdesk.db import Database

    database = Database(database_url)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            with database.transaction(write=False) as session:
                query = text("SELECT count(*) FROM deliveries WHERE status = 'pending'")
                if not session.scalar(query):
                    return time.monotonic()
            time.sleep(0.05)
    finally:
        database.dispose()
    return None


# --- watching a run ------------------------------------------------------------------------


@dataclass
class Sample:
    at: float  # time.monotonic()
    hooks: int  # answered by the receiver (the fast endpoint)
    hang: int  # requests left hanging
    cpu: dict[str, float | None]  # CPU seconds per process


def sample(receiver: Server, processes: list[Server]) -> Sample:
    at = time.monotonic()
    stats = get_json(receiver.port, "/stats")
    cpu = {p.name: p.cpu_seconds() for p in [receiver, *processes]}
    cpu["bench"], cpu["machine"] = time.process_time(), machine_busy_seconds()
    return Sample(at, stats["hooks"], stats["hang"], cpu)


def machine_busy_seconds() -> float | None:
    """CPU seconds all cores spent busy since boot (from /proc/stat), Linux only."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields)
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def watch(
    receiver: Server,
    processes: list[Server],
    done: Callable[[list[Sample]], bool],
    max_seconds: float,
    poll: float,
    samples: list[Sample] | None = None,
) -> list[Sample]:
    """Samples (onto `samples`) until `done`, the deadline, or a process exits (then a last
    sample is taken); the deadline counts from the first sample."""
    samples = samples if samples is not None else []
    samples.append(sample(receiver, processes))
    deadline = samples[0].at + max_seconds
    while not done(samples) and time.monotonic() < deadline:
        exited = any(p.process.poll() is not None for p in processes)
        time.sleep(0 if exited else poll)
        samples.append(sample(receiver, processes))
        if exited:
            break
    return samples


@dataclass
class Window:
    start: Sample
    end: Sample

    @property
    def seconds(self) -> float:
        return self.end.at - self.start.at

    @property
    def rate(self) -> float:
        return (self.end.hooks - self.start.hooks) / self.seconds if self.seconds > 0 else 0.0

    def cpu_pct(self, name: str) -> float | None:
        before, after = self.start.cpu.get(name), self.end.cpu.get(name)
        if before is None or after is None or self.seconds <= 0:
            return None
        return round(100 * (after - before) / self.seconds, 1)

    def other_cpu_pct(self) -> float | None:
        """CPU that processes other than those sampled used meanwhile (100% = one core)."""
        ours = [self.cpu_pct(name) for name in self.start.cpu if name != "machine"]
        busy = self.cpu_pct("machine")
        if busy is None or any(pct is None for pct in ours):
            return None
        return round(max(0.0, busy - sum(pct or 0.0 for pct in ours)), 1)


def window_by_count(samples: list[Sample], low: float, high: float) -> Window | None:
    start = next((s for s in samples if s.hooks >= low), None)
    end = next((s for s in samples if s.hooks >= high), None)
    return None if start is None or end is None or end.at <= start.at else Window(start, end)


def window_by_time(
    samples: list[Sample], warmup: float, seconds: float, cap: float
) -> Window | None:
    first = next((s for s in samples if s.hooks > 0), None)
    if first is None:
        return None
    start = next((s for s in samples if s.at >= first.at + warmup), None)
    end_at = first.at + warmup + seconds
    end = next((s for s in samples if s.at >= end_at or s.hooks >= cap), samples[-1])
    return None if start is None or end.at <= start.at else Window(start, end)


@contextlib.contextmanager
def receiver(
    workdir: Path, name: str, *, record: bool = False, hang_port: int | None = None
) -> Iterator[Server]:
    """The receiver process; with `hang_port`, it also listens there and never answers."""
    port = free_port()
    command = [sys.executable, str(Path(__file__).resolve()), "--serve-receiver", str(port)]
    if hang_port is not None:
        command += ["--hang-port", str(hang_port)]
    if record:
        command += ["--record"]
    with running(name, command, port, workdir, server_env(workdir, "FULL")) as server:
        yield server


# --- part 1: throughput --------------------------------------------------------------------


@dataclass
class Rate:
    sender: str
    delivered: int  # counted by the receiver
    total_s: float  # from the sender's start to the last one counted
    steady_s: float
    steady_per_s: float
    overall_per_s: float  # delivered / total_s, start-up included
    sender_cpu_pct: float | None
    receiver_cpu_pct: float | None
    other_cpu_pct: float | None  # processes outside the benchmark, meanwhile
    errors: int
    duplicates: int = 0  # hooks counted more than once (same webhook-id)
    connections: int = 0  # that the receiver had hooks on (keep-alive reuses them)
    recorded_s: float | None = None  # dispatcher: until no delivery is pending in the database
    database: dict[str, int] = field(default_factory=dict)


def rate_of(sender: str, samples: list[Sample], started: float, target: int, errors: int) -> Rate:
    window = window_by_count(samples, *steady_counts(target))
    last = samples[-1]
    total = last.at - started
    return Rate(
        sender=sender,
        delivered=last.hooks,
        total_s=round(total, 3),
        steady_s=round(window.seconds, 3) if window else 0.0,
        steady_per_s=round(window.rate, 1) if window else 0.0,
        overall_per_s=round(last.hooks / total, 1) if total > 0 else 0.0,
        sender_cpu_pct=window.cpu_pct(sender) if window else None,
        receiver_cpu_pct=window.cpu_pct("receiver") if window else None,
        other_cpu_pct=window.other_cpu_pct() if window else None,
        errors=errors + max(0, target - last.hooks),
    )


def steady_counts(target: int) -> tuple[float, float]:
    return STEADY[0] * target, STEADY[1] * target


def reached(count: float) -> Callable[[list[Sample]], bool]:
    return lambda samples: samples[-1].hooks >= count


def bench_bare(args: argparse.Namespace, workdir: Path, target: int) -> Rate:
    with receiver(workdir, "receiver") as rx:
        url = f"http://{HOST}:{rx.port}/hook"
        command = [sys.executable, str(Path(__file__).resolve()), "--bare-loop", url]
        command += ["--deliveries", str(target), "--concurrency", str(args.concurrency)]
        env = server_env(workdir, args.sqlite_synchronous)
        with spawned("bare", command, workdir, env) as bare:
            started = time.monotonic()
            samples = watch(rx, [bare], reached(target), args.max_seconds, args.poll)
            bare.process.wait(timeout=30)
        connections = get_json(rx.port, "/stats")["conns"]
    rate = rate_of("bare", samples, started, target, bare_errors(bare))
    rate.connections = connections
    return rate


def bare_errors(bare: Server) -> int:
    lines = bare.log_path.read_text(errors="replace").strip().splitlines()
    try:
        return sum(json.loads(lines[-1])["errors"].values())
    except (IndexError, ValueError, KeyError, AttributeError):
        progress(f"the bare loop printed no result:\n{bare.log_tail()}")
        return 1


def throughput_endpoints(args: argparse.Namespace) -> int:
    return math.ceil(args.concurrency / args.endpoint_concurrency)


def dispatcher_env(args: argparse.Namespace, workdir: Path, **settings: object) -> dict[str, str]:
    env = server_env(workdir, args.sqlite_synchronous)
    env.update({f"HOOKDESK_{k.upper()}": str(v) for k, v in settings.items()})
    return env


def dispatcher_command(database_url: str) -> list[str]:
    return [str(hookdesk_command()), "dispatcher", "--database-url", database_url, "--dev"]


def bench_dispatcher(args: argparse.Namespace, workdir: Path, target: int, profile: bool) -> Rate:
    endpoints = throughput_endpoints(args)
    database_url = fresh_database(workdir, "throughput")
    env = dispatcher_env(
        args,
        workdir,
        dispatcher_concurrency=args.concurrency,
        endpoint_concurrency=args.endpoint_concurrency,
        shutdown_timeout=2,
    )
    with receiver(workdir, "receiver") as rx:
        urls = [f"http://{HOST}:{rx.port}/hook/{n}" for n in range(endpoints)]
        progress(f"dispatcher: prefilling {target} deliveries over {endpoints} endpoints ...")
        events = target // endpoints
        prefill(database_url, env["HOOKDESK_SECRET_KEY"], urls, events, args.sqlite_synchronous)
        with spawned("dispatcher", dispatcher_command(database_url), workdir, env) as dispatcher:
            started = time.monotonic()
            samples = watch_profiled(args, rx, dispatcher, target, profile)
            recorded = wait_recorded(database_url, timeout=30)
        stats = get_json(rx.port, "/stats")
    rate = rate_of("dispatcher", samples, started, target, 0)
    rate.duplicates = stats["hooks"] - stats["distinct"]
    rate.connections = stats["conns"]
    rate.recorded_s = None if recorded is None else round(recorded - started, 3)
    rate.database = database_counts(database_url)
    rate.errors += rate.database.get("pending", 0) + rate.database.get("failed", 0)
    return rate


def watch_profiled(
    args: argparse.Namespace, rx: Server, dispatcher: Server, target: int, profile: bool
) -> list[Sample]:
    """Watches until `target`; with --profile, py-spy samples the steady part only."""
    low, high = steady_counts(target)
    samples: list[Sample] = []
    watch(rx, [dispatcher], reached(low), args.max_seconds, args.poll, samples)
    with profiled(dispatcher, args.profile if profile else None):
        watch(rx, [dispatcher], reached(high), args.max_seconds, args.poll, samples)
    return watch(rx, [dispatcher], reached(target), args.max_seconds, args.poll, samples)


def throughput(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """`--repeat` rounds of the bare loop then the dispatcher; the ratio is best over best."""
    endpoints = throughput_endpoints(args)
    target = math.ceil(args.deliveries / endpoints) * endpoints  # whole events
    bare: list[Rate] = []
    dispatcher: list[Rate] = []
    for round_ in range(1, args.repeat + 1):
        progress(f"throughput {round_}/{args.repeat}: bare loop, {target} POSTs ...")
        bare.append(bench_bare(args, workdir, target))
        progress(f"throughput {round_}/{args.repeat}: {bare[-1].steady_per_s:.0f}/s; dispatcher")
        dispatcher.append(bench_dispatcher(args, workdir, target, profile=round_ == 1))
    best_bare = max(bare, key=lambda r: r.steady_per_s)
    best = max(dispatcher, key=lambda r: r.steady_per_s)
    ratio = best.steady_per_s / best_bare.steady_per_s if best_bare.steady_per_s else None
    return {
        "deliveries": target,
        "concurrency": args.concurrency,
        "endpoints": endpoints,
        "endpoint_concurrency": args.endpoint_concurrency,
        "results": [asdict(r) for pair in zip(bare, dispatcher, strict=True) for r in pair],
        "best": [asdict(best_bare), asdict(best)],
        "ratio": None if ratio is None else round(ratio, 3),
        "errors": sum(r.errors + r.duplicates for r in bare + dispatcher),
    }


# --- profiling the dispatcher with py-spy --------------------------------------------------


@contextlib.contextmanager
def profiled(target: Server, output: Path | None) -> Iterator[None]:
    """py-spy samples `target` while the block runs, without pausing it: the thread holding the
    GIL only (py-spy takes threads waiting in C, on a lock or a queue, for busy ones here)."""
    if output is None:
        yield
        return
    command = [str(Path(sys.executable).parent / "py-spy"), "record", "--pid"]
    command += [str(target.process.pid), "--rate", "400", "--format", "raw", "--threads"]
    command += ["--gil", "--nonblocking", "--output", str(output)]
    spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield
    finally:
        spy.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
        try:
            spy.wait(timeout=30)
        except subprocess.TimeoutExpired:
            spy.kill()
            spy.wait()


FRAME = re.compile(r"^(?P<function>.*) \((?P<file>.*?)(?::\d+)?\)$")


def short_frame(frame: str) -> str:
    """`function (file:line)` -> `function (file)`."""
    match = FRAME.match(frame)
    return frame if match is None else f"{match['function']} ({match['file']})"


def hotspots(output: Path, top: int) -> dict[str, Any]:
    """From py-spy's raw stacks (`thread (id): name;frame;...;frame count`, GIL holder only):
    each thread's share of the samples, the functions running on top (self), and hookdesk's
    functions with everything they call (inclusive)."""
    threads: Counter[str] = Counter()
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    for line in output.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        thread, *frames = stack.split(";")
        name = thread.rpartition(": ")[2]
        threads["event loop" if name == "MainThread" else "to_thread workers (database)"] += count
        own[short_frame(frames[-1]) if frames else "?"] += count
        mine = {short_frame(f) for f in frames if "(hookdesk/" in f and "<module>" not in f}
        inclusive.update(dict.fromkeys(mine, count))
    total = sum(threads.values())

    def share(n: int) -> float:
        return round(100 * n / total, 1) if total else 0.0

    return {
        "samples": total,
        "threads_pct": {name: share(n) for name, n in threads.items()},
        "self_pct": [(name, share(n)) for name, n in own.most_common(top)],
        "hookdesk_inclusive_pct": [(name, share(n)) for name, n in inclusive.most_common(top)],
    }


# --- part 2: latency -----------------------------------------------------------------------


@dataclass
class Sent:
    ticket_id: str | None
    answered: float  # time.time() when the API's answer was read
    api_ms: float
    late_ms: float  # how late the request left against its schedule (a busy pool, a slow loop)
    warmup: bool
    error: str | None = None


async def paced_load(
    port: int, request: bytes, args: argparse.Namespace, total: int, warm: int
) -> list[Sent]:
    """Sends `total` requests at `args.rate` per second over a pool of keep-alive connections."""
    pool: asyncio.Queue[Client] = asyncio.Queue()
    for _ in range(args.api_connections):
        pool.put_nowait(Client(port, request))
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.01
    tasks = []
    try:
        for n in range(total):
            scheduled = start + n / args.rate
            if (delay := scheduled - loop.time()) > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one_ticket(pool, scheduled, n < warm, args.timeout)))
        return list(await asyncio.gather(*tasks))
    finally:
        while not pool.empty():
            pool.get_nowait().close()


async def one_ticket(
    pool: asyncio.Queue[Client], scheduled: float, warmup: bool, timeout: float
) -> Sent:
    client = await pool.get()
    late_ms = max(0.0, (asyncio.get_running_loop().time() - scheduled) * 1000)
    started = time.perf_counter()
    try:
        async with asyncio.timeout(timeout):
            answer = await client.exchange()
    except FAILURES as error:
        client.close()
        return Sent(None, time.time(), 0.0, late_ms, warmup, type(error).__name__)
    finally:
        pool.put_nowait(client)
    answered, api_ms = time.time(), (time.perf_counter() - started) * 1000
    if answer.status != 200:
        return Sent(None, answered, api_ms, late_ms, warmup, f"HTTP {answer.status}")
    ticket_id = json.loads(answer.body)["ticket"]["id"]
    return Sent(ticket_id, answered, api_ms, late_ms, warmup)


def percentile(values: list[float], percent: float) -> float:
    """Nearest-rank percentile of sorted values (0 when there is none)."""
    if not values:
        return 0.0
    return values[max(1, math.ceil(len(values) * percent / 100)) - 1]


def spread(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50": round(percentile(ordered, 50), 2),
        "p99": round(percentile(ordered, 99), 2),
        "max": round(ordered[-1], 2) if ordered else 0.0,
        "mean": round(sum(ordered) / len(ordered), 2) if ordered else 0.0,
    }


def latency(
    args: argparse.Namespace, workdir: Path, database_url: str | None = None, workers: int = 1
) -> dict[str, Any]:
    """At `args.rate`, on a fresh SQLite file unless `database_url` names an empty database;
    `hookdesk serve --workers` when `workers` is above 1 (PostgreSQL)."""
    database_url = database_url or fresh_database(workdir, "latency")
    env = server_env(workdir, args.sqlite_synchronous)
    api_key = create_account(database_url, workdir, env)
    port = free_port()
    command = [str(hookdesk_command()), "serve", "--host", HOST, "--port", str(port)]
    command += ["--database-url", database_url, "--dev", *worker_flags(workers)]
    with (
        receiver(workdir, "receiver", record=True) as rx,
        running("hookdesk", command, port, workdir, env, listeners=workers) as server,
    ):
        request = raw_request(port, api_key, ticket_body(port, api_key))
        hook = {"url": f"http://{HOST}:{rx.port}/hook", "events": [EVENT_TYPE]}
        post_json(port, "/v2/webhook-endpoints/create", hook, api_key)
        total = round(args.rate * (args.warmup + args.seconds))
        warm = round(args.rate * args.warmup)
        progress(f"latency: {total} tickets at {args.rate:g}/s ({warm} of them warm-up) ...")
        before = sample(rx, [server])
        sent = run_async(paced_load(port, request, args, total, warm))
        load = Window(before, sample(rx, [server]))
        expected = sum(1 for s in sent if s.ticket_id)
        watch(rx, [], lambda samples: samples[-1].hooks >= expected, 15.0, args.poll)
        arrivals: dict[str, float] = get_json(rx.port, "/arrivals")
    return latency_report(args, sent, arrivals, load)


def worker_flags(workers: int) -> list[str]:
    return ["--workers", str(workers)] if workers > 1 else []


def latency_report(
    args: argparse.Namespace, sent: list[Sent], arrivals: dict[str, float], load: Window
) -> dict[str, Any]:
    measured = [s for s in sent if not s.warmup]
    answered = [s for s in measured if s.ticket_id]
    delays = [
        (arrivals[s.ticket_id] - s.answered) * 1000 for s in answered if s.ticket_id in arrivals
    ]
    errors = Counter(s.error for s in sent if s.error)
    return {
        "rate": args.rate,
        "seconds": args.seconds,
        "warmup_s": args.warmup,
        "connections": args.api_connections,
        "tickets": len(measured),
        "answered": len(answered),
        "delivered": len(delays),
        "missing": len(answered) - len(delays),
        "negative": sum(1 for d in delays if d < 0),
        "achieved_per_s": round(len(sent) / load.seconds, 1),
        "server_cpu_pct": load.cpu_pct("hookdesk"),
        "receiver_cpu_pct": load.cpu_pct("receiver"),
        "other_cpu_pct": load.other_cpu_pct(),
        "delivery_ms": spread(delays),
        "api_ms": spread([s.api_ms for s in answered]),
        "late_ms": spread([s.late_ms for s in measured]),
        "error_kinds": dict(errors),
        "errors": sum(errors.values()) + len(answered) - len(delays),
    }


# --- part 3: isolation ---------------------------------------------------------------------


@dataclass
class Isolation:
    run: str
    fast_delivered: int
    window_s: float
    fast_per_s: float
    first_second_per_s: float  # the fast endpoint's rate in the window's first second
    last_second_per_s: float  # and in its last
    hang_requests: int  # requests the hanging endpoint received in the window
    dispatcher_cpu_pct: float | None
    other_cpu_pct: float | None
    database: dict[str, int] = field(default_factory=dict)


def isolation_run(args: argparse.Namespace, workdir: Path, *, with_hang: bool) -> Isolation:
    name = "fast beside hanging" if with_hang else "fast alone"
    database_url = fresh_database(workdir, "mixed" if with_hang else "alone")
    env = dispatcher_env(args, workdir, delivery_timeout=args.hang_timeout, shutdown_timeout=0.5)
    hang_port = free_port()
    with receiver(workdir, "receiver", hang_port=hang_port) as rx:
        urls = [f"http://{HOST}:{rx.port}/hook"]
        urls += [f"http://{HOST}:{hang_port}/hook"] if with_hang else []
        progress(f"isolation, {name}: prefilling {args.isolation_events} events ...")
        events, sync = args.isolation_events, args.sqlite_synchronous
        prefill(database_url, env["HOOKDESK_SECRET_KEY"], urls, events, sync)
        with spawned("dispatcher", dispatcher_command(database_url), workdir, env) as dispatcher:
            samples = watch(rx, [dispatcher], isolation_done(args), args.max_seconds, args.poll)
    window = window_by_time(samples, args.warmup, args.isolation_seconds, isolation_cap(args))
    return Isolation(
        run=name,
        fast_delivered=samples[-1].hooks,
        window_s=round(window.seconds, 3) if window else 0.0,
        fast_per_s=round(window.rate, 1) if window else 0.0,
        first_second_per_s=round(edge_rate(samples, window, first=True), 1),
        last_second_per_s=round(edge_rate(samples, window, first=False), 1),
        hang_requests=(window.end.hang - window.start.hang) if window else 0,
        dispatcher_cpu_pct=window.cpu_pct("dispatcher") if window else None,
        other_cpu_pct=window.other_cpu_pct() if window else None,
        database=database_counts(database_url),
    )


def isolation_cap(args: argparse.Namespace) -> float:
    """The window ends early if the fast endpoint's backlog runs this low."""
    return STEADY[1] * args.isolation_events


def edge_rate(samples: list[Sample], window: Window | None, *, first: bool) -> float:
    """The rate over the first (or last) second of the window."""
    if window is None or window.seconds < 1:
        return 0.0
    inside = [s for s in samples if window.start.at <= s.at <= window.end.at]
    if first:
        end = next(s for s in inside if s.at >= window.start.at + 1)
        return Window(window.start, end).rate
    start = next(s for s in reversed(inside) if s.at <= window.end.at - 1)
    return Window(start, window.end).rate


def isolation_done(args: argparse.Namespace) -> Callable[[list[Sample]], bool]:
    def done(samples: list[Sample]) -> bool:
        first = next((s for s in samples if s.hooks > 0), None)
        last = samples[-1]
        over = first is not None and last.at >= first.at + args.warmup + args.isolation_seconds
        return over or last.hooks >= isolation_cap(args)

    return done


def isolation(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """`--repeat` rounds of the fast endpoint alone, then beside a hanging one; best over best."""
    alone: list[Isolation] = []
    mixed: list[Isolation] = []
    for _round in range(args.repeat):
        alone.append(isolation_run(args, workdir, with_hang=False))
        progress(f"isolation: fast endpoint alone {alone[-1].fast_per_s:.0f}/s")
        mixed.append(isolation_run(args, workdir, with_hang=True))
        progress(f"isolation: fast endpoint beside a hanging one {mixed[-1].fast_per_s:.0f}/s")
    best_alone = max(alone, key=lambda r: r.fast_per_s)
    best = max(mixed, key=lambda r: r.fast_per_s)
    ratio = best.fast_per_s / best_alone.fast_per_s if best_alone.fast_per_s else None
    runs = alone + mixed
    return {
        "hang_timeout_s": args.hang_timeout,
        "events": args.isolation_events,
        "results": [asdict(r) for pair in zip(alone, mixed, strict=True) for r in pair],
        "best": [asdict(best_alone), asdict(best)],
        "ratio": None if ratio is None else round(ratio, 3),
        "errors": sum(1 for r in runs if not r.fast_per_s)
        + sum(1 for r in mixed if not r.hang_requests),
    }


# --- the report ----------------------------------------------------------------------------


def build_report(args: argparse.Namespace, parts: dict[str, Any], workdir: Path) -> dict[str, Any]:
    return {
        "command": exact_command(),
        "machine": machine(),
        "database": f"SQLite, synchronous={args.sqlite_synchronous}, in {filesystem(workdir)}",
        "targets": TARGETS,
        **parts,
        "errors": sum(part.get("errors", 0) for part in parts.values()),
    }


def filesystem(path: Path) -> str:
    """The file system type of `path` (from /proc/mounts; the longest matching mount point)."""
    best, kind = "", "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/mounts").read_text().splitlines():
            fields = line.split()
            if len(fields) > 2 and str(path).startswith(fields[1]) and len(fields[1]) > len(best):
                best, kind = fields[1], fields[2]
    return f"{path.parent} ({kind})"


def verdict(value: float | None, target: float, *, at_least: bool) -> str:
    if value is None:
        return "n/a"
    met = value >= target if at_least else value < target
    return "meets the target" if met else "MISSES the target"


def fmt(value: float | None, unit: str = "") -> str:
    return "n/a" if value is None else f"{value:.1f}{unit}"


THROUGHPUT_COLUMNS = (
    *("sender", "delivered", "total s", "steady s", "steady/s", "overall/s", "sender CPU%"),
    *("CPU us/each", "receiver CPU%", "other CPU%", "conns", "recorded s", "errors", "dupes"),
)


def cpu_us_each(rate: dict[str, Any]) -> float | None:
    """The sender's CPU time per delivery over the steady part, in microseconds."""
    if rate["sender_cpu_pct"] is None or not rate["steady_per_s"]:
        return None
    return float(rate["sender_cpu_pct"]) / 100 / float(rate["steady_per_s"]) * 1e6


def throughput_row(r: dict[str, Any], round_: int) -> tuple[str, ...]:
    return (
        f"{'bare aiohttp loop' if r['sender'] == 'bare' else 'hookdesk dispatcher'} #{round_}",
        str(r["delivered"]),
        f"{r['total_s']:.2f}",
        f"{r['steady_s']:.2f}",
        f"{r['steady_per_s']:.0f}",
        f"{r['overall_per_s']:.0f}",
        fmt(r["sender_cpu_pct"]),
        fmt(cpu_us_each(r)),
        fmt(r["receiver_cpu_pct"]),
        fmt(r["other_cpu_pct"]),
        str(r["connections"]),
        fmt(r["recorded_s"]),
        str(r["errors"]),
        str(r["duplicates"]),
    )


def render_throughput(part: dict[str, Any]) -> list[str]:
    bare, dispatcher = part["best"]
    rows = [throughput_row(r, n // 2 + 1) for n, r in enumerate(part["results"])]
    return [
        f"1. Throughput: {part['deliveries']} deliveries to one local receiver, "
        f"{part['concurrency']} in flight; the dispatcher's spread over {part['endpoints']} "
        f"endpoints x HOOKDESK_ENDPOINT_CONCURRENCY={part['endpoint_concurrency']}, "
        f"HOOKDESK_DISPATCHER_CONCURRENCY={part['concurrency']}; both on uvloop "
        "(as `hookdesk dispatcher` runs); rates over the steady part, "
        f"from {STEADY[0]:.0%} to {STEADY[1]:.0%} of the deliveries counted",
        "",
        render_table([THROUGHPUT_COLUMNS, *rows]),
        "",
        f"dispatcher/bare, best round of each: {fmt_ratio(part['ratio'])} "
        f"(target >= {TARGETS['ratio']}: "
        f"{verdict(part['ratio'], TARGETS['ratio'], at_least=True)})",
        limit_line(bare, dispatcher),
        f"database after the dispatcher's best round: {dispatcher['database']}",
    ]


def limit_line(bare: dict[str, Any], dispatcher: dict[str, Any]) -> str:
    """What bounds the dispatcher's rate, from the CPU each process used."""
    cpu, rx = dispatcher["sender_cpu_pct"], dispatcher["receiver_cpu_pct"]
    if cpu is None or rx is None:
        return "limit: unknown (no CPU figures)"
    costs = f"{fmt(cpu_us_each(dispatcher))} us of CPU per delivery vs {fmt(cpu_us_each(bare))}"
    if cpu >= 85:
        return (
            f"limit: the dispatcher's own CPU: its process ran at {cpu:.0f}% of one core "
            f"(one Python process) while the receiver used {rx:.0f}%; {costs} for the bare loop"
        )
    return f"limit: not the dispatcher's CPU ({cpu:.0f}%), so waiting (the database?); {costs}"


def render_latency(part: dict[str, Any]) -> list[str]:
    rows: list[tuple[str, ...]] = [("from -> to", "count", "p50 ms", "p99 ms", "mean ms", "max ms")]
    for label, key, count in (
        ("API answer -> receiver", "delivery_ms", part["delivered"]),
        ("API request -> answer", "api_ms", part["answered"]),
        ("schedule -> request sent", "late_ms", part["tickets"]),
    ):
        d = part[key]
        rows.append((label, str(count), *(f"{d[k]:.2f}" for k in ("p50", "p99", "mean", "max"))))
    d = part["delivery_ms"]
    return [
        f"2. Latency: POST /v2/agency/tickets/create at {part['rate']:g}/s for "
        f"{part['seconds']:g} s (after {part['warmup_s']:g} s warm-up), "
        f"{part['connections']} connections; hookdesk serve with its in-process dispatcher",
        "",
        render_table(rows),
        "",
        f"sent {part['achieved_per_s']:.1f}/s; CPU (100% = one core): hookdesk serve "
        f"{fmt(part['server_cpu_pct'], '%')}, receiver {fmt(part['receiver_cpu_pct'], '%')}, "
        f"other processes {fmt(part['other_cpu_pct'], '%')}",
        f"deliveries missing {part['missing']}, arrived before the API's answer was read "
        f"{part['negative']} (negative latencies, kept); errors {part['error_kinds'] or 'none'}",
        f"p50 {d['p50']:.2f} ms (target < {TARGETS['p50_ms']:g}: "
        f"{verdict(d['p50'], TARGETS['p50_ms'], at_least=False)}), "
        f"p99 {d['p99']:.2f} ms (target < {TARGETS['p99_ms']:g}: "
        f"{verdict(d['p99'], TARGETS['p99_ms'], at_least=False)})",
    ]


ISOLATION_COLUMNS = (
    *("run", "fast delivered", "window s", "fast/s", "1st s /s", "last s /s"),
    *("hanging reqs", "dispatcher CPU%", "other CPU%"),
)


def isolation_row(r: dict[str, Any], round_: int) -> tuple[str, ...]:
    return (
        f"{r['run']} #{round_}",
        str(r["fast_delivered"]),
        f"{r['window_s']:.2f}",
        f"{r['fast_per_s']:.0f}",
        f"{r['first_second_per_s']:.0f}",
        f"{r['last_second_per_s']:.0f}",
        str(r["hang_requests"]),
        fmt(r["dispatcher_cpu_pct"]),
        fmt(r["other_cpu_pct"]),
    )


def render_isolation(part: dict[str, Any]) -> list[str]:
    rows = [isolation_row(r, n // 2 + 1) for n, r in enumerate(part["results"])]
    mixed = part["best"][1]
    return [
        f"3. Isolation: a fast endpoint, alone, then beside one that never answers "
        f"(HOOKDESK_DELIVERY_TIMEOUT={part['hang_timeout_s']:g}); {part['events']} due events "
        "per endpoint, interleaved; default concurrency caps (256, 16 per endpoint)",
        "",
        render_table([ISOLATION_COLUMNS, *rows]),
        "",
        f"fast beside hanging / fast alone, best round of each: {fmt_ratio(part['ratio'])} "
        f"(target >= {TARGETS['isolation']}: "
        f"{verdict(part['ratio'], TARGETS['isolation'], at_least=True)})",
        f"database after the best mixed round: {mixed['database']}",
    ]


def render_profile(profile: dict[str, Any]) -> list[str]:
    threads = ", ".join(f"{name} {pct:.0f}%" for name, pct in profile["threads_pct"].items())
    lines = [
        f"py-spy on the part 1 dispatcher over its steady part: {profile['samples']} samples "
        f"of the thread holding the GIL ({threads})",
        "  self: the function on top of the stack",
    ]
    lines += [f"    {pct:5.1f}%  {name}" for name, pct in profile["self_pct"]]
    lines += ["  inclusive: hookdesk's functions with all they call"]
    lines += [f"    {pct:5.1f}%  {name}" for name, pct in profile["hookdesk_inclusive_pct"]]
    return lines


def render(report: dict[str, Any]) -> str:
    m = report["machine"]
    lines = [
        "hookdesk dispatcher benchmark",
        f"machine: {m['cpu_count']} CPUs ({m['cpu_model']}), {m['platform']}",
        f"software: {m['python']}, hookdesk {m['hookdesk']}, SQLite {m['sqlite']}; "
        f"hookdesk from {m['hookdesk_source']}",
        f"database: {report['database']}",
        f"command: {report['command']}",
    ]
    renderers = {
        "throughput": render_throughput,
        "latency": render_latency,
        "isolation": render_isolation,
        "profile": render_profile,
    }
    for name, renderer in renderers.items():
        if name in report:
            lines += ["", *renderer(report[name])]
    status = "none" if not report["errors"] else f"{report['errors']}: FIGURES NOT VALID"
    return "\n".join([*lines, "", *disturbance(report), f"errors: {status}"])


DISTURBED_PCT = 25.0  # other processes' CPU (100% = one core) that makes a run suspect


def disturbance(report: dict[str, Any]) -> list[str]:
    """A warning when processes outside the benchmark took CPU during a measured run."""
    runs = [
        r for part in ("throughput", "isolation") for r in report.get(part, {}).get("results", [])
    ]
    others = [
        r["other_cpu_pct"] for r in [*runs, report.get("latency", {})] if r.get("other_cpu_pct")
    ]
    if not others or max(others) < DISTURBED_PCT:
        return []
    return [
        f"WARNING: other processes used up to {max(others):.0f}% of a core during a measured run "
        "(column 'other CPU%'): such a run's figures are low; rerun on a quiet machine or raise "
        "--repeat",
        "",
    ]


# --- command line --------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Webhook delivery: dispatcher throughput vs a bare aiohttp loop, "
        "API-to-receiver latency, and isolation from a hanging endpoint (SQLite).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    add = parser.add_argument
    add("--parts", nargs="+", choices=PARTS, default=list(PARTS), help="which parts to run")
    add("--deliveries", "-n", type=positive_int, default=20_000, help="part 1: deliveries per run")
    add(
        "--concurrency",
        "-c",
        type=positive_int,
        default=256,
        help="part 1: in flight, both senders",
    )
    add(
        "--endpoint-concurrency",
        type=positive_int,
        default=16,
        help="part 1: dispatcher's cap per endpoint",
    )
    add("--repeat", type=positive_int, default=2, help="parts 1, 3: rounds, best of each counts")
    add("--rate", type=positive_float, default=200.0, help="part 2: tickets per second")
    add("--seconds", type=positive_float, default=10.0, help="part 2: seconds measured")
    add(
        "--api-connections",
        type=positive_int,
        default=16,
        help="part 2: keep-alive pool to the API",
    )
    add(
        "--isolation-events", type=positive_int, default=30_000, help="part 3: due events prefilled"
    )
    add(
        "--isolation-seconds",
        type=positive_float,
        default=10.0,
        help="part 3: seconds measured per run",
    )
    add(
        "--hang-timeout", type=positive_float, default=5.0, help="part 3: HOOKDESK_DELIVERY_TIMEOUT"
    )
    add("--warmup", type=float, default=1.0, help="parts 2 and 3: seconds not measured")
    add(
        "--sqlite-synchronous",
        choices=("FULL", "NORMAL"),
        default="FULL",
        help="HOOKDESK_SQLITE_SYNCHRONOUS",
    )
    add("--poll", type=positive_float, default=0.02, help="seconds between receiver polls")
    add("--max-seconds", type=positive_float, default=60.0, help="cap on each run's seconds")
    add(
        "--timeout",
        type=positive_float,
        default=10.0,
        help="part 2: seconds before an API request fails",
    )
    add("--profile", type=Path, help="py-spy the first part 1 dispatcher into this file")
    add("--top", type=positive_int, default=15, help="hotspots shown with --profile")
    add("--tmp-dir", type=Path, help="where databases and logs go (default: system temp)")
    add("--keep", action="store_true", help="keep the temp dir (databases, logs)")
    add("--json", action="store_true", help="print the figures as JSON")
    add("--serve-receiver", type=int, metavar="PORT", help=argparse.SUPPRESS)
    add("--hang-port", type=int, help=argparse.SUPPRESS)
    add("--record", action="store_true", help=argparse.SUPPRESS)
    add("--bare-loop", metavar="URL", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def run_parts(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    benches = {"throughput": throughput, "latency": latency, "isolation": isolation}
    parts = {name: benches[name](args, workdir) for name in PARTS if name in args.parts}
    if args.profile is not None and "throughput" in parts and args.profile.exists():
        parts["profile"] = hotspots(args.profile, args.top)
    return parts


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.serve_receiver is not None:
        run_async(serve_receiver(args.serve_receiver, args.hang_port, args.record))
        return 0
    if args.bare_loop is not None:
        # On the event loop `hookdesk dispatcher` runs on (uvloop when installed).
        errors = run_async(
            bare_loop(args.bare_loop, args.deliveries, args.concurrency, DELIVERY_TIMEOUT_S)
        )
        print(json.dumps({"errors": errors}), flush=True)
        return 0
    signal.signal(signal.SIGTERM, terminate)
    workdir = Path(tempfile.mkdtemp(prefix="hookdesk-bench-", dir=args.tmp_dir))
    try:
        parts = run_parts(args, workdir)
        report = build_report(args, parts, workdir)
    except RuntimeError as error:
        progress(f"FAILED, no figures: {error}")
        return 2
    finally:
        if args.keep:
            progress(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(report, indent=2) if args.json else render(report))
    return 1 if report["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())

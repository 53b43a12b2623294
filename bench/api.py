"""Ticket-create throughput and latency: the real hookdesk service beside a bare ASGI app.

Both servers run as subprocesses under uvicorn with the same settings (`uvicorn.run(app,
host=..., port=..., log_level="info")`, as `hookdesk serve` does), one after the other, each
on a fresh port. This process is the load generator: a small keep-alive HTTP/1.1 client on
asyncio (uvloop when present), with a fixed number of connections, each sending one request
at a time (closed loop). It warms each server up, then measures for a fixed duration or a
fixed number of requests, and prints req/s, p50 and p99 and the ratios hookdesk/bare.

    python bench/api.py                 # defaults: 16 connections, 2 s warm-up, 10 s each
    python bench/api.py --json          # the same figures as JSON on stdout
    python bench/api.py --requests 5000 --connections 32
    python bench/api.py --rate-limit 0  # without the rate limiter (by default it runs, with a
                                        # limit the load never reaches)

Progress goes to stderr. The exit status is 1 when any request failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import signal
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `python bench/api.py` too

from bench.common import (
    AUTO_REPLY,
    FAILURES,
    HOST,
    ROUTE,
    Answer,
    Client,
    Server,
    create_account,
    exact_command,
    fmt_ratio,
    free_port,
    hookdesk_command,
    machine,
    new_ticket_body,
    positive_float,
    positive_int,
    post_json,
    progress,
    raw_request,
    render_table,
    run_async,
    running,
    server_env,
    terminate,
    ticket_body,
)

OK_PREFIX = b'{"status":200,"ticket":{'
LIST_OK_PREFIX = b'{"status":200,"total_results":'
LIST_ROUTE = "/v2/agency/tickets/list"
RETRIEVE_ROUTE = "/v2/agency/tickets/retrieve/"
LIST_PER_PAGE = 20
# The limiter runs, and its cost is in the figures, but it never refuses the load.
RATE_LIMIT_NEVER_REACHED = 1e6
MAX_ERROR_SAMPLES = 5

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


# --- the bare ASGI app (the ceiling) -------------------------------------------------------


async def bare_app(scope: Scope, receive: Receive, send: Send) -> None:
    """Answers POST /v2/agency/tickets/create and GET /v2/agency/tickets/retrieve/{id} with a
    ticket-shaped object, GET /v2/agency/tickets/list with a page of them, and GET /healthz."""
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
        return
    body = await _read_body(receive)
    if scope["method"] == "POST" and scope["path"] == ROUTE:
        await _send_json(send, 200, {"status": 200, "ticket": _bare_ticket(json.loads(body))})
    elif scope["method"] == "GET" and scope["path"] == LIST_ROUTE:
        await _send_json(send, 200, _bare_list())
    elif scope["method"] == "GET" and scope["path"].startswith(RETRIEVE_ROUTE):
        data = new_ticket_body(str(uuid.uuid4()), str(uuid.uuid4()))
        await _send_json(send, 200, {"status": 200, "ticket": _bare_ticket(data)})
    elif scope["path"] == "/healthz":
        await _send_json(send, 200, {"status": "ok"})
    else:
        await _send_json(send, 404, {"status": 404, "error": "Not found."})


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _send_json(send: Send, status: int, content: dict[str, Any]) -> None:
    # The same encoding as Starlette's JSONResponse.
    body = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()
    headers = [(b"content-length", str(len(body)).encode()), (b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _bare_ticket(data: dict[str, Any]) -> dict[str, Any]:
    at = int(time.time())
    return {
        "id": str(uuid.uuid4()),
        "title": data["title"],
        "is_open": True,
        "object": "ticket",
        "created_at": at,
        "updated_at": at,
        "client": {"id": data["client_id"], "name": "Bench Client", "email": "bench@example.com"},
        "teammate_id": None,
        "replies": [_bare_reply(data["description"], at), _bare_reply(AUTO_REPLY, at)],
        "category": "General Support",
        "subcategory": None,
        "language": "en",
    }


def _bare_list() -> dict[str, Any]:
    """A page of ticket-shaped objects, as GET /v2/agency/tickets/list answers it."""
    data = new_ticket_body(str(uuid.uuid4()), str(uuid.uuid4()))
    tickets = [_bare_ticket(data) for _ in range(LIST_PER_PAGE)]
    return {"status": 200, "total_results": 10_000, "tickets": tickets}


def list_request(port: int, api_key: str) -> bytes:
    """The exact bytes of one measured list request: the newest page of tickets."""
    return (
        f"GET {LIST_ROUTE}?page=1&per_page={LIST_PER_PAGE}&order=desc HTTP/1.1\r\n"
        f"Host: {HOST}:{port}\r\n"
        f"Authorization: Bearer {api_key}\r\n\r\n"
    ).encode()


def retrieve_request(port: int, api_key: str, ticket_id: str) -> bytes:
    """The exact bytes of one measured retrieve request: one ticket by its id."""
    return (
        f"GET {RETRIEVE_ROUTE}{ticket_id} HTTP/1.1\r\n"
        f"Host: {HOST}:{port}\r\n"
        f"Authorization: Bearer {api_key}\r\n\r\n"
    ).encode()


def _bare_reply(text: str, at: int) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "text": text,
        "is_client_reply": False,
        "created_at": at,
        "assets": None,
    }


def serve_bare(port: int) -> None:
    import uvicorn

    uvicorn.run(bare_app, host=HOST, port=port, log_level="info")  # as `hookdesk serve` does


# --- the load generator (its client is bench.common.Client) --------------------------------


@dataclass
class Plan:
    """When a phase stops: at its deadline, or once its request budget is spent."""

    deadline: float
    budget: int | None = None

    def take(self) -> bool:
        if time.monotonic() >= self.deadline:
            return False
        if self.budget is None:
            return True
        self.budget -= 1
        return self.budget >= 0


@dataclass
class Tally:
    latencies_ns: list[int] = field(default_factory=list)
    body_bytes: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    samples: list[str] = field(default_factory=list)

    def ok(self, latency_ns: int, answer: Answer) -> None:
        self.latencies_ns.append(latency_ns)
        self.body_bytes += len(answer.body)

    def fail(self, kind: str, detail: str) -> None:
        self.errors[kind] += 1
        if len(self.samples) < MAX_ERROR_SAMPLES:
            self.samples.append(f"{kind}: {detail[:300]}")


async def drive(
    client: Client, plan: Plan, tally: Tally, timeout_s: float, ok_prefix: bytes = OK_PREFIX
) -> None:
    while plan.take():
        started = time.perf_counter_ns()
        try:
            async with asyncio.timeout(timeout_s):
                answer = await client.exchange()
        except FAILURES as error:
            client.close()
            tally.fail(type(error).__name__, str(error))
            await asyncio.sleep(0.01)  # no hot loop against a server that is gone
            continue
        elapsed = time.perf_counter_ns() - started
        if answer.status == 200 and answer.body.startswith(ok_prefix):
            tally.ok(elapsed, answer)
        else:
            tally.fail(f"HTTP {answer.status}", answer.body.decode(errors="replace"))


async def phase(
    clients: list[Client], plan: Plan, timeout_s: float, ok_prefix: bytes = OK_PREFIX
) -> tuple[Tally, float]:
    """Runs every client until the plan stops; the tally and the wall time it took."""
    tally = Tally()
    return tally, await phase_into(tally, clients, plan, timeout_s, ok_prefix)


async def phase_into(
    tally: Tally, clients: list[Client], plan: Plan, timeout_s: float, ok_prefix: bytes
) -> float:
    """Runs every client until the plan stops, counting into `tally`; the wall time it took."""
    started = time.perf_counter()
    await asyncio.gather(*(drive(c, plan, tally, timeout_s, ok_prefix) for c in clients))
    return time.perf_counter() - started


# --- one server's measurement --------------------------------------------------------------


@dataclass
class Result:
    server: str
    requests: int
    errors: int
    seconds: float
    req_per_s: float
    p50_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    response_bytes: float
    server_cpu_pct: float | None
    server_cpu_ms_per_request: float | None  # the server's CPU seconds / requests answered
    client_cpu_pct: float
    warmup_requests: int
    warmup_errors: int
    error_kinds: dict[str, int]
    error_samples: list[str]
    # Each slice's CPU ms per request, where the measurement took turns with another server
    # (`interleaved`): in the same order as the other's, so that slice by slice they compare.
    slices_cpu_ms_per_request: list[float | None] = field(default_factory=list)


def percentile_ms(sorted_ns: list[int], percent: float) -> float:
    """Nearest-rank percentile, in milliseconds (0 when there is no sample)."""
    if not sorted_ns:
        return 0.0
    rank = max(1, -(-len(sorted_ns) * percent // 100))
    return sorted_ns[int(rank) - 1] / 1e6


async def measure(
    server: Server, request: bytes, args: argparse.Namespace, ok_prefix: bytes = OK_PREFIX
) -> Result:
    clients = [Client(server.port, request) for _ in range(args.connections)]
    try:
        warmup_plan = Plan(time.monotonic() + args.warmup)
        warmup, _ = await phase(clients, warmup_plan, args.timeout, ok_prefix)
        cpu_before, client_before = server.cpu_seconds(), time.process_time()
        tally, seconds = await phase(clients, measured_plan(args), args.timeout, ok_prefix)
        cpu_after, client_after = server.cpu_seconds(), time.process_time()
    finally:
        for client in clients:
            client.close()
    server_cpu = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
    return summarize(server.name, tally, seconds, warmup, server_cpu, client_after - client_before)


SLICES = 5  # an interleaved measurement's turns per server


@dataclass
class Turns:
    """One server's share of an interleaved measurement: its clients, and what its turns
    answered, took and cost."""

    server: Server
    clients: list[Client]
    warmup: Tally = field(default_factory=Tally)
    tally: Tally = field(default_factory=Tally)
    seconds: float = 0.0
    cpu: float | None = 0.0
    client_cpu: float = 0.0
    slices: list[float | None] = field(default_factory=list)

    async def turn(self, seconds: float, args: argparse.Namespace, ok_prefix: bytes) -> None:
        cpu_before, client_before = self.server.cpu_seconds(), time.process_time()
        answered = len(self.tally.latencies_ns)
        plan = Plan(time.monotonic() + seconds)
        took = await phase_into(self.tally, self.clients, plan, args.timeout, ok_prefix)
        cpu_after = self.server.cpu_seconds()
        self.seconds += took
        self.client_cpu += time.process_time() - client_before
        if cpu_before is None or cpu_after is None or self.cpu is None:
            self.cpu = None
            return
        self.cpu += cpu_after - cpu_before
        count = len(self.tally.latencies_ns) - answered
        self.slices.append(round(1000 * (cpu_after - cpu_before) / count, 4) if count else None)

    def result(self) -> Result:
        result = summarize(
            self.server.name, self.tally, self.seconds, self.warmup, self.cpu, self.client_cpu
        )
        result.slices_cpu_ms_per_request = self.slices
        return result


async def interleaved(
    servers: list[tuple[Server, bytes]], args: argparse.Namespace, ok_prefix: bytes = OK_PREFIX
) -> list[Result]:
    """Each server warmed up, then measured in `SLICES` turns taken one server after the other,
    `args.duration` in all per server: a machine that is busier for a while (other guests on the
    host) slows every server's turns alike, so that their ratios hold where their absolute
    figures move."""
    turns = [
        Turns(s, [Client(s.port, request) for _ in range(args.connections)])
        for s, request in servers
    ]
    try:
        for t in turns:
            await phase_into(
                t.warmup, t.clients, Plan(time.monotonic() + args.warmup), args.timeout, ok_prefix
            )
        for _ in range(SLICES):
            for t in turns:
                await t.turn(args.duration / SLICES, args, ok_prefix)
    finally:
        for t in turns:
            for client in t.clients:
                client.close()
    return [t.result() for t in turns]


def measured_plan(args: argparse.Namespace) -> Plan:
    if args.requests is None:
        return Plan(time.monotonic() + args.duration)
    return Plan(time.monotonic() + args.max_seconds, budget=args.requests)


def summarize(
    name: str, tally: Tally, seconds: float, warmup: Tally, server_cpu: float | None, client: float
) -> Result:
    ordered = sorted(tally.latencies_ns)
    count = len(ordered)
    errors = tally.errors + warmup.errors
    return Result(
        server=name,
        requests=count,
        errors=sum(tally.errors.values()),
        seconds=round(seconds, 3),
        req_per_s=round(count / seconds, 1) if seconds else 0.0,
        p50_ms=round(percentile_ms(ordered, 50), 3),
        p99_ms=round(percentile_ms(ordered, 99), 3),
        mean_ms=round(sum(ordered) / count / 1e6, 3) if count else 0.0,
        max_ms=round(ordered[-1] / 1e6, 3) if count else 0.0,
        response_bytes=round(tally.body_bytes / count, 1) if count else 0.0,
        server_cpu_pct=None if server_cpu is None else round(100 * server_cpu / seconds, 1),
        server_cpu_ms_per_request=(
            None if server_cpu is None or not count else round(1000 * server_cpu / count, 3)
        ),
        client_cpu_pct=round(100 * client / seconds, 1),
        warmup_requests=len(warmup.latencies_ns),
        warmup_errors=sum(warmup.errors.values()),
        error_kinds=dict(errors),
        error_samples=warmup.samples + tally.samples,
    )


# --- the two servers -----------------------------------------------------------------------


@dataclass
class Setup:
    workdir: Path
    database_url: str
    env: dict[str, str]
    api_key: str


def prepare(args: argparse.Namespace, workdir: Path) -> Setup:
    database_url = f"sqlite:///{workdir / 'hookdesk.db'}"
    env = server_env(workdir, args.sqlite_synchronous, args.rate_limit)
    return Setup(workdir, database_url, env, create_account(database_url, workdir, env))


def bench_bare(args: argparse.Namespace, setup: Setup) -> Result:
    port = free_port()
    command = [sys.executable, str(Path(__file__).resolve()), "--serve-bare", str(port)]
    with running("bare", command, port, setup.workdir, setup.env) as server:
        body = new_ticket_body(str(uuid.uuid4()), str(uuid.uuid4()))
        return run_async(measure(server, raw_request(port, setup.api_key, body), args))


def bench_hookdesk(args: argparse.Namespace, setup: Setup) -> Result:
    port = free_port()
    command = [str(hookdesk_command()), "serve", "--host", HOST, "--port", str(port)]
    command += ["--database-url", setup.database_url]
    with running("hookdesk", command, port, setup.workdir, setup.env) as server:
        body = ticket_body(port, setup.api_key)
        return run_async(measure(server, raw_request(port, setup.api_key, body), args))


def create_and_list(args: argparse.Namespace, workdir: Path, database_url: str) -> list[Result]:
    """Ticket create, then list (the newest page of the tickets just created), then retrieve (one
    of them), on the bare app and on hookdesk over `database_url` (an empty database), both
    running throughout and measured by turns (`interleaved`); results named
    `<server> <route>`."""
    env = server_env(workdir, args.sqlite_synchronous, args.rate_limit)
    setup = Setup(workdir, database_url, env, create_account(database_url, workdir, env))
    key = setup.api_key
    bare_body = new_ticket_body(str(uuid.uuid4()), str(uuid.uuid4()))
    bare_port, port = free_port(), free_port()
    bare_command = [sys.executable, str(Path(__file__).resolve()), "--serve-bare", str(bare_port)]
    command = [str(hookdesk_command()), "serve", "--host", HOST, "--port", str(port)]
    command += ["--database-url", database_url]
    with (
        running("bare", bare_command, bare_port, workdir, env) as bare,
        running("hookdesk", command, port, workdir, env) as mine,
    ):
        body = ticket_body(port, key)
        progress("api: bare and hookdesk by turns: ticket create, list, then retrieve ...")
        created = run_async(
            interleaved(
                [
                    (bare, raw_request(bare_port, key, bare_body)),
                    (mine, raw_request(port, key, body)),
                ],
                args,
            )
        )
        listed = run_async(
            interleaved(
                [(bare, list_request(bare_port, key)), (mine, list_request(port, key))],
                args,
                LIST_OK_PREFIX,
            )
        )
        one = post_json(port, ROUTE, body, key)["ticket"]["id"]
        retrieved = run_async(
            interleaved(
                [
                    (bare, retrieve_request(bare_port, key, one)),
                    (mine, retrieve_request(port, key, one)),
                ],
                args,
            )
        )
    results = []
    for route, pair in (("create", created), ("list", listed), ("retrieve", retrieved)):
        for result in pair:
            result.server = f"{result.server} {route}"
        results += pair
    return results


def run_all(args: argparse.Namespace, workdir: Path) -> list[Result]:
    setup = prepare(args, workdir)
    results = []
    for name, bench in (("bare", bench_bare), ("hookdesk", bench_hookdesk)):
        progress(f"{name}: warming up {args.warmup:g} s, then measuring ...")
        results.append(bench(args, setup))
        done = results[-1]
        progress(f"{name}: {done.requests} ok, {done.errors + done.warmup_errors} errors")
    return results


# --- the report ----------------------------------------------------------------------------


def ratios(bare: Result, hookdesk: Result) -> dict[str, float | None]:
    """hookdesk over bare; None where either side has no successful request to compare."""
    if not bare.requests or not hookdesk.requests:
        return {"throughput": None, "p50": None, "p99": None}
    return {
        "throughput": round(hookdesk.req_per_s / bare.req_per_s, 4),
        "p50": round(hookdesk.p50_ms / bare.p50_ms, 2),
        "p99": round(hookdesk.p99_ms / bare.p99_ms, 2),
    }


def build_report(args: argparse.Namespace, results: list[Result]) -> dict[str, Any]:
    by_name = {r.server: r for r in results}
    return {
        "route": f"POST {ROUTE}",
        "command": exact_command(),
        "machine": machine(),
        "load": {
            "connections": args.connections,
            "warmup_s": args.warmup,
            "duration_s": None if args.requests is not None else args.duration,
            "requests": args.requests,
            "database": f"sqlite, synchronous={args.sqlite_synchronous}",
            "rate_limit": args.rate_limit,
        },
        "results": [asdict(r) for r in results],
        "ratios_hookdesk_over_bare": ratios(by_name["bare"], by_name["hookdesk"]),
        "errors": sum(r.errors + r.warmup_errors for r in results),
    }


COLUMNS = ("server", "requests", "errors", "req/s", "p50 ms", "p99 ms", "mean ms", "max ms")
EXTRA = ("resp B", "srv CPU%", "client CPU%")


def table_rows(results: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = [COLUMNS + EXTRA]
    for r in results:
        cpu = "n/a" if r["server_cpu_pct"] is None else f"{r['server_cpu_pct']:.0f}"
        rows.append(
            (
                r["server"],
                str(r["requests"]),
                str(r["errors"] + r["warmup_errors"]),
                f"{r['req_per_s']:.1f}",
                f"{r['p50_ms']:.2f}",
                f"{r['p99_ms']:.2f}",
                f"{r['mean_ms']:.2f}",
                f"{r['max_ms']:.2f}",
                f"{r['response_bytes']:.0f}",
                cpu,
                f"{r['client_cpu_pct']:.0f}",
            )
        )
    return rows


def render(report: dict[str, Any]) -> str:
    m, load, r = report["machine"], report["load"], report["ratios_hookdesk_over_bare"]
    amount = f"{load['requests']} requests" if load["requests"] else f"{load['duration_s']:g} s"
    lines = [
        f"hookdesk API benchmark: {report['route']}",
        f"machine: {m['cpu_count']} CPUs ({m['cpu_model']}), {m['platform']}",
        f"software: {m['python']}, uvicorn {m['uvicorn']}, hookdesk {m['hookdesk']}, "
        f"SQLite {m['sqlite']}; hookdesk from {m['hookdesk_source']}",
        f"command: {report['command']}",
        f"load: {load['connections']} keep-alive connections, one request in flight each, "
        f"warm-up {load['warmup_s']:g} s, then {amount} per server; {load['database']}; "
        f"rate limit {load['rate_limit']:g}/s per key (0: off)",
        "",
        render_table(table_rows(report["results"])),
        "",
        f"hookdesk/bare: throughput {fmt_ratio(r['throughput'])}, "
        f"p50 {fmt_ratio(r['p50'])}, p99 {fmt_ratio(r['p99'])}",
    ]
    return "\n".join(lines + error_lines(report))


def error_lines(report: dict[str, Any]) -> list[str]:
    if not report["errors"]:
        return ["errors: none (every answer, warm-up included, was a 200 with a ticket)"]
    count = report["errors"]
    lines = ["", "!" * 78, f"!!! {count} REQUESTS FAILED (warm-up included): FIGURES NOT VALID"]
    for r in report["results"]:
        lines += [f"!!! {r['server']}: {r['error_kinds']}"]
        lines += [f"!!!   {sample}" for sample in r["error_samples"]]
    return [*lines, "!" * 78]


# --- command line --------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Ticket-create req/s and p50/p99 of hookdesk (SQLite) beside a bare ASGI app."
    )
    add = parser.add_argument
    add("--connections", "-c", type=positive_int, default=16, help="keep-alive connections")
    add("--duration", "-d", type=positive_float, default=10.0, help="seconds measured per server")
    add("--requests", "-n", type=positive_int, help="measure this many requests instead")
    add("--max-seconds", type=positive_float, default=120.0, help="cap on a --requests run")
    add("--warmup", type=float, default=2.0, help="seconds of warm-up per server, not measured")
    add("--timeout", type=positive_float, default=10.0, help="seconds before a request fails")
    add("--sqlite-synchronous", choices=("FULL", "NORMAL"), default="FULL", help="hookdesk's")
    add(
        "--rate-limit",
        type=float,
        default=RATE_LIMIT_NEVER_REACHED,
        help="hookdesk's requests per second per API key; 0 measures it without the limiter",
    )
    add("--tmp-dir", type=Path, help="where the database and logs go (default: system temp)")
    add("--keep", action="store_true", help="keep the temp dir (database, server logs)")
    add("--json", action="store_true", help="print the figures as JSON")
    add("--serve-bare", type=int, metavar="PORT", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.serve_bare is not None:
        serve_bare(args.serve_bare)
        return 0
    signal.signal(signal.SIGTERM, terminate)
    workdir = Path(tempfile.mkdtemp(prefix="hookdesk-bench-", dir=args.tmp_dir))
    try:
        results = run_all(args, workdir)
    except RuntimeError as error:
        progress(f"FAILED, no figures: {error}")
        return 2
    finally:
        if args.keep:
            progress(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    report = build_report(args, results)
    print(json.dumps(report, indent=2) if args.json else render(report))
    return 1 if report["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())

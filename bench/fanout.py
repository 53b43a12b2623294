"""Fan-out: one ticket created (one `whitelabel.ticket.created` event) for an account with 1, 10
and 100 endpoints, all on one local receiver; the time from the API's answer to the last arrival,
and deliveries per second over it. `hookdesk serve --dev` runs the dispatcher in-process.

The ceiling is the same number of POSTs, all at once, from one bare aiohttp session.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from pathlib import Path
from typing import Any

from bench import dispatch
from bench.common import (
    HOST,
    ROUTE,
    create_account,
    free_port,
    get_json,
    hookdesk_command,
    post_json,
    progress,
    run_async,
    running,
    server_env,
    ticket_body,
)
from bench.latency_curve import database

ARRIVAL_TIMEOUT_S = 30.0


async def bare_burst_s(url: str, posts: int) -> float:
    """Seconds for `posts` POSTs sent at once to reach the receiver and be answered."""
    import aiohttp

    body, headers = dispatch.sample_delivery()
    connector = aiohttp.TCPConnector(limit=posts, limit_per_host=0)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one() -> None:
            async with session.post(url, data=body, headers=headers) as response:
                await response.read()

        await asyncio.gather(*(one() for _ in range(posts)))  # opens the connections
        started = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(posts)))
        return time.perf_counter() - started


def wait_fanout(receiver_port: int, ticket_id: str, endpoints: int) -> float | None:
    """The receiver's clock at the ticket's last arrival, once all `endpoints` arrived."""
    deadline = time.monotonic() + ARRIVAL_TIMEOUT_S
    while time.monotonic() < deadline:
        seen = get_json(receiver_port, "/fanout").get(ticket_id)
        if seen is not None and seen[0] >= endpoints:
            return float(seen[1])
        time.sleep(0.01)
    return None


def one_database(
    args: argparse.Namespace, workdir: Path, kind: str, counts: list[int], tickets: int
) -> list[dict[str, Any]]:
    rows = []
    with database(kind, workdir) as url:
        env = server_env(workdir, args.sqlite_synchronous)
        api_key = create_account(url, workdir, env)
        port = free_port()
        command = [str(hookdesk_command()), "serve", "--host", HOST, "--port", str(port)]
        command += ["--database-url", url, "--dev"]
        with (
            dispatch.receiver(workdir, "receiver", record=True) as rx,
            running("hookdesk", command, port, workdir, env),
        ):
            body = ticket_body(port, api_key)
            endpoints = 0
            for count in counts:
                while endpoints < count:
                    url_n = f"http://{HOST}:{rx.port}/hook/{endpoints}"
                    hook: dict[str, Any] = {"url": url_n, "events": [dispatch.EVENT_TYPE]}
                    post_json(port, "/v2/webhook-endpoints/create", hook, api_key)
                    endpoints += 1
                progress(f"fan-out: {kind}, {count} endpoint(s), {tickets} tickets ...")
                seconds = [send_one(port, rx.port, api_key, body, count) for _ in range(tickets)]
                ceiling = min(
                    run_async(bare_burst_s(f"http://{HOST}:{rx.port}/hook", count))
                    for _ in range(3)
                )
                rows.append(fanout_row(kind, count, seconds, ceiling))
    return rows


def send_one(
    port: int, receiver_port: int, api_key: str, body: dict[str, Any], endpoints: int
) -> float | None:
    ticket_id = post_json(port, ROUTE, body, api_key)["ticket"]["id"]
    answered = time.time()
    last = wait_fanout(receiver_port, ticket_id, endpoints)
    return None if last is None else last - answered


def fanout_row(
    kind: str, endpoints: int, seconds: list[float | None], ceiling_s: float
) -> dict[str, Any]:
    arrived = [s for s in seconds if s is not None]
    median = statistics.median(arrived) if arrived else None
    per_s = endpoints / median if median else None
    bare_per_s = endpoints / ceiling_s if ceiling_s > 0 else None
    return {
        "database": kind,
        "endpoints": endpoints,
        "tickets": len(seconds),
        "complete": len(arrived),
        "last_arrival_ms_p50": None if median is None else round(median * 1000, 2),
        "last_arrival_ms_max": round(max(arrived) * 1000, 2) if arrived else None,
        "deliveries_per_s": None if per_s is None else round(per_s, 1),
        "bare_burst_ms": round(ceiling_s * 1000, 2),
        "bare_per_s": None if bare_per_s is None else round(bare_per_s, 1),
        "ratio": round(per_s / bare_per_s, 3) if per_s and bare_per_s else None,
        "errors": len(seconds) - len(arrived),
    }


def run(
    args: argparse.Namespace, workdir: Path, counts: list[int], tickets: int, kinds: list[str]
) -> dict[str, Any]:
    rows = [row for kind in kinds for row in one_database(args, workdir, kind, counts, tickets)]
    return {"tickets": tickets, "rows": rows, "errors": sum(r["errors"] for r in rows)}

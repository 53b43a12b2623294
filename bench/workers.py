"""`hookdesk serve --workers N` on PostgreSQL.

1. Ticket creates with 1 and then 2 API processes (each run a fresh database, the same 16
   keep-alive connections and requests, an endpoint subscribed to every created ticket): creates
   per second, the CPU of the whole process tree per create, how busy the machine's cores were
   meanwhile (PostgreSQL, the receiver and the load share them), and how long after the last
   answer the last delivery reaches the receiver (the backlog a burst leaves).
2. The end-to-end latency (the API's answer -> the receiver's arrival) at several steady rates
   with `--workers 2`, as the latency part measures one process.

    python -m bench.workers            # or: python -m bench --parts workers
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import api, dispatch, latency_curve, postgres
from bench.common import (
    HOST,
    create_account,
    free_port,
    get_json,
    hookdesk_command,
    post_json,
    progress,
    raw_request,
    run_async,
    running,
    server_env,
    ticket_body,
)

CORES = os.cpu_count() or 1


def throughput(args: argparse.Namespace, workdir: Path, workers: int) -> dict[str, Any]:
    with postgres.fresh_database() as url:
        env = server_env(workdir, "FULL")
        api_key = create_account(url, workdir, env)
        port = free_port()
        command = [str(hookdesk_command()), "serve", "--host", HOST, "--port", str(port)]
        command += ["--database-url", url, "--dev", *dispatch.worker_flags(workers)]
        with (
            dispatch.receiver(workdir, f"receiver-{workers}", record=True) as rx,
            running(f"hookdesk-{workers}", command, port, workdir, env, workers) as server,
        ):
            hook = {"url": f"http://{HOST}:{rx.port}/hook", "events": [dispatch.EVENT_TYPE]}
            post_json(port, "/v2/webhook-endpoints/create", hook, api_key)
            request = raw_request(port, api_key, ticket_body(port, api_key))
            progress(f"workers: {workers} API process(es), ticket creates ...")
            busy_before, started = dispatch.machine_busy_seconds(), time.monotonic()
            result = run_async(api.measure(server, request, args))
            busy_after, last_answer = dispatch.machine_busy_seconds(), time.time()
            elapsed = time.monotonic() - started
            answered = result.requests + result.warmup_requests
            dispatch.watch(rx, [], lambda seen: seen[-1].hooks >= answered, 30.0, 0.05)
            arrivals: dict[str, float] = get_json(rx.port, "/arrivals")
    cpu_ms = None
    if result.server_cpu_pct is not None and result.requests:
        cpu_ms = result.server_cpu_pct / 100 * result.seconds / result.requests * 1000
    machine_pct = None
    if busy_before is not None and busy_after is not None:
        machine_pct = round(100 * (busy_after - busy_before) / elapsed / CORES, 1)
    return {
        "workers": workers,
        "creates": result.requests,
        "creates_per_s": round(result.req_per_s, 1),
        "p50_ms": result.p50_ms,
        "p99_ms": result.p99_ms,
        "server_cpu_pct": result.server_cpu_pct,
        "cpu_ms_per_create": None if cpu_ms is None else round(cpu_ms, 3),
        # Every process's, the load's warm-up included: PostgreSQL, the receiver, the load.
        "machine_busy_pct": machine_pct,
        "delivered": len(arrivals),
        "last_delivery_after_ms": round((max(arrivals.values()) - last_answer) * 1000, 1)
        if arrivals
        else None,
        "errors": result.errors + result.warmup_errors + max(0, answered - len(arrivals)),
    }


def latency(args: argparse.Namespace, workdir: Path, rates: list[float]) -> list[dict[str, Any]]:
    points = []
    for rate in rates:
        progress(f"workers: latency with --workers 2 at {rate:g}/s ...")
        at_rate = copy.copy(args)
        at_rate.rate = rate
        with postgres.fresh_database() as url:
            found = dispatch.latency(at_rate, workdir, url, workers=2)
        points.append(latency_curve.point(found, "postgresql"))
    return points


def run(
    latency_args: argparse.Namespace,
    api_args: argparse.Namespace,
    workdir: Path,
    rates: list[float],
) -> dict[str, Any]:
    runs = [throughput(api_args, workdir, workers) for workers in (1, 2)]
    points = latency(latency_args, workdir, rates)
    one, two = runs
    return {
        "connections": api_args.connections,
        "warmup_s": api_args.warmup,
        "duration_s": api_args.duration,
        "runs": runs,
        "ratio": round(two["creates_per_s"] / one["creates_per_s"], 3)
        if one["creates_per_s"]
        else None,
        "points": points,
        "errors": sum(r["errors"] for r in runs) + sum(p["errors"] for p in points),
    }


def main(argv: list[str] | None = None) -> int:
    from bench.__main__ import SIZES, api_args, dispatch_args

    parser = argparse.ArgumentParser(prog="python -m bench.workers", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke test)")
    options = parser.parse_args(argv)
    sizes = SIZES["quick" if options.quick else "full"]
    with tempfile.TemporaryDirectory(prefix="hookdesk-bench-") as folder:
        found = run(dispatch_args(sizes), api_args(sizes), Path(folder), sizes["rates"])
    print(json.dumps(found, indent=2))
    return 1 if found["errors"] else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""End-to-end latency (the API's answer -> the receiver's arrival) at several steady rates, on
SQLite and PostgreSQL: bench/dispatch.py's latency part once per rate and database, beside the
floor of one bare aiohttp POST to the same kind of receiver (what any delivery costs at least).
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench import dispatch, postgres
from bench.common import HOST, progress, run_async


@contextlib.contextmanager
def database(kind: str, workdir: Path) -> Iterator[str]:
    """A fresh, empty database of `kind` ("sqlite" or "postgresql"), dropped afterwards."""
    if kind == "sqlite":
        yield dispatch.fresh_database(workdir, "latency")
        return
    with postgres.fresh_database() as url:
        yield url


async def bare_post_ms(url: str, requests: int) -> list[float]:
    """One POST at a time, a real event body and headers, over one keep-alive connection."""
    import aiohttp

    body, headers = dispatch.sample_delivery()
    times: list[float] = []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        for _ in range(requests):
            started = time.perf_counter()
            async with session.post(url, data=body, headers=headers) as response:
                await response.read()
            times.append((time.perf_counter() - started) * 1000)
    return times


def floor(workdir: Path, requests: int) -> dict[str, float]:
    with dispatch.receiver(workdir, "receiver") as rx:
        times = run_async(bare_post_ms(f"http://{HOST}:{rx.port}/hook", requests))
    return dispatch.spread(times[len(times) // 10 :])  # the first tenth warms up


def point(result: dict[str, Any], kind: str) -> dict[str, Any]:
    return {
        "database": kind,
        "rate": result["rate"],
        "achieved_per_s": result["achieved_per_s"],
        "tickets": result["tickets"],
        "delivered": result["delivered"],
        "missing": result["missing"],
        "delivery_ms": result["delivery_ms"],
        "api_ms": result["api_ms"],
        "server_cpu_pct": result["server_cpu_pct"],
        "other_cpu_pct": result["other_cpu_pct"],
        "errors": result["errors"],
    }


def run(
    args: argparse.Namespace, workdir: Path, rates: list[float], kinds: list[str]
) -> dict[str, Any]:
    progress("latency: the floor, one bare POST at a time ...")
    bare = floor(workdir, 200)
    points = []
    for kind in kinds:
        for rate in rates:
            progress(f"latency: {kind} at {rate:g}/s ...")
            at_rate = copy.copy(args)
            at_rate.rate = rate
            with database(kind, workdir) as url:
                points.append(point(dispatch.latency(at_rate, workdir, url), kind))
    return {
        "seconds": args.seconds,
        "warmup_s": args.warmup,
        "connections": args.api_connections,
        "floor_ms": bare,
        "points": points,
        "errors": sum(p["errors"] for p in points),
    }

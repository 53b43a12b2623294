"""Dispatch throughput as dispatchers are added: the bare aiohttp loop (the ceiling), then
`hookdesk dispatcher` on SQLite in one process and on PostgreSQL in 1, 2, 4... processes side by
side, each run on a fresh database prefilled with the same due deliveries to the same receiver.

Reuses bench/dispatch.py's receiver, bare loop, prefill and sampling; this module adds several
dispatchers at once, the CPU of the whole machine, and what bounds the rate.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench import dispatch, postgres
from bench.common import HOST, Server, get_json, progress, spawned

SATURATED_PCT = 90.0  # a process at this share of one core, or the machine of all cores, is full
DISTURBED_PCT = 50.0  # CPU (100% = one core) used outside the benchmark that makes a run suspect


@dataclass
class ScaleRun:
    label: str
    database: str
    processes: int
    delivered: int
    steady_per_s: float
    senders_cpu_pct: float | None  # all dispatchers (or the bare loop), 100% = one core
    receiver_cpu_pct: float | None
    machine_cpu_pct: float | None  # every process on the machine, 100% = all cores busy
    other_cpu_pct: float | None  # outside the benchmark (PostgreSQL, other users), one core = 100
    duplicates: int
    errors: int
    postgresql_cpu_pct: float | None = None  # this database's server processes, the whole run


def machine_pct(window: dispatch.Window) -> float | None:
    busy = window.cpu_pct("machine")
    return None if busy is None else round(busy / (os.cpu_count() or 1), 1)


def from_samples(
    label: str,
    database: str,
    senders: list[Server],
    samples: list[dispatch.Sample],
    target: int,
    errors: int,
) -> ScaleRun:
    window = dispatch.window_by_count(samples, *dispatch.steady_counts(target))
    sender_pcts = [window.cpu_pct(s.name) for s in senders] if window else [None]
    known = [pct for pct in sender_pcts if pct is not None]
    delivered = samples[-1].hooks
    return ScaleRun(
        label=label,
        database=database,
        processes=len(senders),
        delivered=delivered,
        steady_per_s=round(window.rate, 1) if window else 0.0,
        senders_cpu_pct=round(sum(known), 1) if len(known) == len(sender_pcts) else None,
        receiver_cpu_pct=window.cpu_pct("receiver") if window else None,
        machine_cpu_pct=machine_pct(window) if window else None,
        other_cpu_pct=window.other_cpu_pct() if window else None,
        duplicates=0,
        errors=errors + max(0, target - delivered),
    )


def bare(args: argparse.Namespace, workdir: Path, target: int) -> ScaleRun:
    """The ceiling: dispatch.py's bare loop, one aiohttp session, the same in flight."""
    env = dispatch.dispatcher_env(args, workdir)
    with dispatch.receiver(workdir, "receiver") as rx:
        command = [
            sys.executable,
            dispatch.__file__,
            "--bare-loop",
            f"http://{HOST}:{rx.port}/hook",
        ]
        command += ["--deliveries", str(target), "--concurrency", str(args.concurrency)]
        with spawned("bare", command, workdir, env) as sender:
            samples = dispatch.watch(
                rx, [sender], dispatch.reached(target), args.max_seconds, args.poll
            )
            sender.process.wait(timeout=30)
    errors = dispatch.bare_errors(sender)
    return from_samples("bare aiohttp loop", "-", [sender], samples, target, errors)


def dispatchers(
    args: argparse.Namespace, workdir: Path, database_url: str, processes: int, target: int
) -> ScaleRun:
    """`processes` dispatchers on one prefilled database, until the receiver counted `target`."""
    endpoints = dispatch.throughput_endpoints(args)
    env = dispatch.dispatcher_env(
        args,
        workdir,
        dispatcher_concurrency=args.concurrency,
        endpoint_concurrency=args.endpoint_concurrency,
        shutdown_timeout=2,
    )
    database = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    with dispatch.receiver(workdir, "receiver") as rx:
        urls = [f"http://{HOST}:{rx.port}/hook/{n}" for n in range(endpoints)]
        events, sync = target // endpoints, args.sqlite_synchronous
        dispatch.prefill(database_url, env["HOOKDESK_SECRET_KEY"], urls, events, sync)
        with contextlib.ExitStack() as stack:
            senders = [
                stack.enter_context(
                    spawned(
                        f"dispatcher-{n}", dispatch.dispatcher_command(database_url), workdir, env
                    )
                )
                for n in range(1, processes + 1)
            ]
            backends = Backends(database_url)
            samples = dispatch.watch(
                rx, senders, dispatch.reached(target), args.max_seconds, args.poll
            )
            postgresql_cpu_pct = backends.cpu_pct()
        stats = get_json(rx.port, "/stats")
    counts = dispatch.database_counts(database_url)
    errors = counts.get("pending", 0) + counts.get("failed", 0)
    label = f"hookdesk dispatcher x{processes}"
    run = from_samples(label, database, senders, samples, target, errors)
    run.duplicates = stats["hooks"] - stats["distinct"]
    run.postgresql_cpu_pct = postgresql_cpu_pct
    return run


class Backends:
    """The CPU PostgreSQL's server processes spend on one database, from now on (they belong to
    no process of the benchmark: without this they would count as another user's)."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.is_postgresql = database_url.startswith("postgresql")
        self.started = time.monotonic()
        self.before = postgres.backend_cpu_seconds(database_url) if self.is_postgresql else {}

    def cpu_pct(self) -> float | None:
        if not self.is_postgresql:
            return None
        after = postgres.backend_cpu_seconds(self.database_url)
        spent = sum(cpu - self.before.get(pid, 0.0) for pid, cpu in after.items())
        return round(100 * spent / (time.monotonic() - self.started), 1)


def outside_pct(run: ScaleRun) -> float | None:
    """CPU that processes outside the benchmark used (PostgreSQL's for this database not
    counted), 100% = one core."""
    if run.other_cpu_pct is None:
        return None
    return max(0.0, run.other_cpu_pct - (run.postgresql_cpu_pct or 0.0))


def limit(run: ScaleRun) -> str:
    """What bounded a run's rate, from the CPU figures."""
    outside = outside_pct(run)
    if run.machine_cpu_pct is not None and run.machine_cpu_pct >= SATURATED_PCT:
        if outside is not None and outside >= DISTURBED_PCT:
            return (
                f"the CPUs, shared: {run.machine_cpu_pct:.0f}% of all cores busy, "
                f"{outside:.0f}% of a core by processes outside the benchmark"
            )
        return f"the CPUs ({run.machine_cpu_pct:.0f}% of all cores busy)"
    if run.receiver_cpu_pct is not None and run.receiver_cpu_pct >= SATURATED_PCT:
        return f"the receiver ({run.receiver_cpu_pct:.0f}% of its one core)"
    per_process = (run.senders_cpu_pct or 0.0) / max(1, run.processes)
    if per_process >= SATURATED_PCT:
        return f"the dispatchers' own CPU ({per_process:.0f}% of a core each)"
    return "neither CPUs nor receiver: waiting (the database, the loopback)"


def saturated(run: ScaleRun) -> bool:
    """The CPUs or the receiver were full with the benchmark's own work."""
    return limit(run).startswith(("the CPUs (", "the receiver"))


def disturbed(run: ScaleRun) -> bool:
    outside = outside_pct(run)
    return outside is not None and outside >= DISTURBED_PCT


def run(args: argparse.Namespace, workdir: Path, processes: list[int]) -> dict[str, Any]:
    """`args.repeat` rounds of every configuration, interleaved; the best of each counts."""
    endpoints = dispatch.throughput_endpoints(args)
    target = math.ceil(args.deliveries / endpoints) * endpoints  # whole events
    rounds: dict[str, list[ScaleRun]] = {}
    for round_ in range(1, args.repeat + 1):
        progress(f"dispatch {round_}/{args.repeat}: bare loop, {target} POSTs ...")
        rounds.setdefault("bare", []).append(bare(args, workdir, target))
        progress(f"dispatch {round_}/{args.repeat}: SQLite, one dispatcher ...")
        url = dispatch.fresh_database(workdir, "scale")
        rounds.setdefault("sqlite", []).append(dispatchers(args, workdir, url, 1, target))
        for n in processes:
            progress(f"dispatch {round_}/{args.repeat}: PostgreSQL, {n} dispatcher(s) ...")
            with postgres.fresh_database() as url:
                rounds.setdefault(f"pg{n}", []).append(dispatchers(args, workdir, url, n, target))
    best = {key: max(runs, key=lambda r: r.steady_per_s) for key, runs in rounds.items()}
    ceiling = best["bare"].steady_per_s
    return {
        "deliveries": target,
        "concurrency": args.concurrency,
        "endpoints": endpoints,
        "endpoint_concurrency": args.endpoint_concurrency,
        "repeat": args.repeat,
        "processes": processes,
        "runs": [asdict(r) for runs in rounds.values() for r in runs],
        "best": {key: asdict(r) for key, r in best.items()},
        "ratios": {
            key: round(r.steady_per_s / ceiling, 3) if ceiling else None for key, r in best.items()
        },
        "limits": {key: limit(r) for key, r in best.items()},
        "saturated": {key: saturated(r) for key, r in best.items()},
        "disturbed": {key: disturbed(r) for key, r in best.items()},
        "errors": sum(r.errors + r.duplicates for runs in rounds.values() for r in runs),
    }

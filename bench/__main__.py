"""The whole benchmark suite in one command; writes BENCHMARKS.md and its plots.

    python -m bench                  # the real run, about 13 minutes on 2 cores
    python -m bench --quick          # every part small: a smoke test of a few minutes
    python -m bench --parts dispatch backlog   # these parts anew, the others as last measured

Parts: dispatch (throughput vs the bare aiohttp loop; SQLite, PostgreSQL with 1, 2, 4
dispatchers), latency (API answer -> arrival at several rates, SQLite and PostgreSQL), fanout
(one ticket to 1, 10, 100 endpoints), api (ticket create and list vs a bare ASGI app), backlog
(claim latency, RSS and query plans with a large backlog in PostgreSQL), mail (notifications
rendered and sent to aiosmtpd vs a bare aiosmtplib loop; agent reply -> accepted by aiosmtpd at
50/s; IMAP APPEND -> reply committed, IDLE), cli (`hookdesk --help` and the client commands'
start-up vs `python -c pass`), workers (`serve --workers 2` against 1 on PostgreSQL:
creates/s, CPU per create, the last delivery after a burst, latency at several rates), search
(a search's and the inbox's first page at 1,000,000 tickets, and at 10,000 and 100,000 for the
plot by size, each size loaded once by bench/bulk.py and kept under /tmp and in the database
hookdesk_search_<tickets> for the next runs), inbox (the
console inbox's first page at 10,000 tickets: server time beside its queries and a bare query).

PostgreSQL is the local server (postgresql://postgres@127.0.0.1:5432); every part makes its own
database `hookdesk_bench_<pid>_<n>` and drops it, also when stopped by Ctrl-C or SIGTERM, and the
next run drops those a killed run left. Every process it starts dies with it. The whole run stops
by itself after --max-minutes. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import (
    api,
    backlog,
    cli,
    compare,
    dispatch,
    fanout,
    inbox,
    latency_curve,
    mail,
    postgres,
    report,
    results,
    scale,
    search,
    workers,
)
from bench.common import machine, positive_float, progress, terminate

ROOT = Path(__file__).resolve().parents[1]
PARTS = (
    "dispatch",
    "latency",
    "fanout",
    "api",
    "backlog",
    "mail",
    "cli",
    "workers",
    "search",
    "inbox",
)
DATABASES = ["sqlite", "postgresql"]

# The sizes of a real run, and of --quick.
SIZES: dict[str, dict[str, Any]] = {
    "full": {
        "deliveries": 30_000,
        "repeat": 2,
        "processes": [1, 2, 4],
        "rates": [25.0, 50.0, 100.0, 200.0, 400.0],
        "latency_seconds": 10.0,
        "latency_warmup": 1.0,
        "fanout_endpoints": [1, 10, 100],
        "fanout_tickets": 20,
        "api_seconds": 10.0,
        "api_warmup": 2.0,
        "backlog": 1_000_000,
        "backlog_seconds": 40.0,
        "backlog_interval": 0.5,
        "mail_messages": 2000,
        "mail_appends": 40,
        "cli_runs": 11,
        "mail_replies": 500,
        "search_tickets": 1_000_000,
        "search_smaller": [10_000, 100_000],
        "search_repeat": 30,
        "inbox_tickets": 10_000,
        "inbox_repeat": 200,
        "max_minutes": 90.0,
    },
    "quick": {
        "deliveries": 3_000,
        "repeat": 1,
        "processes": [1, 2, 4],
        "rates": [20.0, 50.0],
        "latency_seconds": 2.0,
        "latency_warmup": 0.5,
        "fanout_endpoints": [1, 10, 100],
        "fanout_tickets": 3,
        "api_seconds": 2.0,
        "api_warmup": 0.5,
        "backlog": 100_000,
        "backlog_seconds": 8.0,
        "backlog_interval": 0.25,
        "mail_messages": 300,
        "mail_appends": 10,
        "cli_runs": 5,
        "mail_replies": 100,
        "search_tickets": 20_000,
        "search_smaller": [2_000],
        "search_repeat": 5,
        "inbox_tickets": 10_000,
        "inbox_repeat": 30,
        "max_minutes": 15.0,
    },
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="hookdesk's benchmark suite: writes BENCHMARKS.md and bench/plots/*.png.",
    )
    add = parser.add_argument
    add("--quick", action="store_true", help="every part at a small size (a smoke test)")
    add("--parts", nargs="+", choices=PARTS, default=list(PARTS), help="which parts to run")
    add("--output", type=Path, default=ROOT / "BENCHMARKS.md", help="the report")
    add("--plots", type=Path, default=ROOT / "bench" / "plots", help="where the PNGs go")
    add("--json", type=Path, help="also write this run's figures as JSON to this file")
    add(
        "--results",
        type=Path,
        default=ROOT / "bench" / "results.json",
        help="every part's latest figures: this run's parts replace theirs, the report shows all",
    )
    add(
        "--baseline",
        type=Path,
        help="an earlier run's --json file: the report sets its figures beside this run's",
    )
    add("--max-minutes", type=positive_float, help="stop the whole run after this long")
    add("--tmp-dir", type=Path, help="where SQLite files and logs go (default: system temp)")
    add("--keep", action="store_true", help="keep the temp dir (databases, logs)")
    return parser.parse_args(argv)


def dispatch_args(sizes: dict[str, Any]) -> argparse.Namespace:
    """bench/dispatch.py's options at its defaults, with this run's sizes."""
    args = dispatch.parse_args([])
    args.deliveries = sizes["deliveries"]
    args.repeat = sizes["repeat"]
    args.seconds = sizes["latency_seconds"]
    args.warmup = sizes["latency_warmup"]
    args.backlog = sizes["backlog"]
    args.backlog_seconds = sizes["backlog_seconds"]
    args.backlog_interval = sizes["backlog_interval"]
    return args


def api_args(sizes: dict[str, Any]) -> argparse.Namespace:
    args = api.parse_args([])
    args.duration = sizes["api_seconds"]
    args.warmup = sizes["api_warmup"]
    return args


def run_api(sizes: dict[str, Any], workdir: Path) -> dict[str, Any]:
    args = api_args(sizes)
    results: dict[str, list[dict[str, Any]]] = {}
    for kind in DATABASES:
        with latency_curve.database(kind, workdir) as url:
            found = api.create_and_list(args, workdir, url)
        results[kind] = [asdict(r) for r in found]
    return {
        "connections": args.connections,
        "warmup_s": args.warmup,
        "duration_s": args.duration,
        "rate_limit": args.rate_limit,
        "results": results,
        "errors": sum(r["errors"] + r["warmup_errors"] for rs in results.values() for r in rs),
    }


def run_search(sizes: dict[str, Any], workdir: Path) -> dict[str, Any]:
    """The search part at its full size, and its mix and inbox at smaller sizes (queries only,
    no API) for the plot of search time by the account's size."""
    found = search.run(sizes["search_tickets"], sizes["search_repeat"], workdir)
    smaller = [
        search.run(tickets, sizes["search_repeat"], workdir, api=False)
        for tickets in sizes["search_smaller"]
    ]
    found["by_size"] = [by_size(run) for run in [*smaller, found]]
    return found


def by_size(run: dict[str, Any]) -> dict[str, Any]:
    """One size's search mix and inbox list, p50 and p99, per database."""
    return {
        "tickets": run["tickets"],
        "results": {
            kind: {
                "mix": {key: result["mix"][key] for key in ("p50_ms", "p99_ms")},
                "inbox": {key: result["inbox"]["list"][key] for key in ("p50_ms", "p99_ms")},
            }
            for kind, result in run["results"].items()
        },
    }


def run_part(name: str, sizes: dict[str, Any], workdir: Path) -> dict[str, Any]:
    args = dispatch_args(sizes)
    if name == "dispatch":
        return scale.run(args, workdir, sizes["processes"])
    if name == "latency":
        return latency_curve.run(args, workdir, sizes["rates"], DATABASES)
    if name == "fanout":
        counts, tickets = sizes["fanout_endpoints"], sizes["fanout_tickets"]
        return fanout.run(args, workdir, counts, tickets, DATABASES)
    if name == "api":
        return run_api(sizes, workdir)
    if name == "workers":
        return workers.run(args, api_args(sizes), workdir, sizes["rates"])
    if name == "mail":
        return mail.run(
            sizes["mail_messages"], sizes["mail_appends"], workdir, sizes["mail_replies"]
        )
    if name == "cli":
        return cli.run(sizes["cli_runs"], workdir)
    if name == "search":
        return run_search(sizes, workdir)
    if name == "inbox":
        return inbox.run(sizes["inbox_tickets"], sizes["inbox_repeat"], workdir)
    return backlog.run(args, workdir)


def postgresql_version() -> str:
    import psycopg

    with psycopg.connect(f"{postgres.SERVER_URL}/postgres", connect_timeout=5) as connection:
        row = connection.execute("SHOW server_version").fetchone()
    return "?" if row is None else str(row[0]).split()[0]


def revision() -> str:
    """The commit measured, and whether the checkout had changes beside it."""
    git = ["git", "-C", str(ROOT)]
    try:
        commit = subprocess.run(
            [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        changed = subprocess.run(
            [*git, "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "an unknown revision (no git checkout)"
    return f"commit {commit}" + (" with uncommitted changes" if changed else "")


def out_of_time(_signum: int, _frame: Any) -> None:
    progress("the run took longer than --max-minutes: stopping")
    raise SystemExit(3)  # unwinds through every `finally`: processes stopped, databases dropped


def run_suite(args: argparse.Namespace, workdir: Path) -> tuple[dict[str, Any], list[str]]:
    """The figures of every part that ran to its end, and the names of those that failed: one
    part's failure (stale kept data, a crashed server) must not lose the others' figures."""
    sizes = SIZES["quick" if args.quick else "full"]
    parts, failed = {}, []
    for name in PARTS:
        if name in args.parts:
            progress(f"--- {name} ---")
            try:
                parts[name] = run_part(name, sizes, workdir)
            except Exception:
                progress(f"{name} FAILED; its figures stay as last measured:")
                progress(traceback.format_exc())
                failed.append(name)
    return parts, failed


def write(args: argparse.Namespace, parts: dict[str, Any], meta: dict[str, Any]) -> None:
    measured = results.Results().replaced(parts, meta)
    if not args.quick:
        measured = results.load(args.results).replaced(parts, meta)
        results.save(args.results, measured)
    plots = report.draw_plots(measured.parts, args.plots, args.output.parent)
    before_and_after = None
    if args.baseline is not None:
        before_and_after = compare.section(json.loads(args.baseline.read_text()), meta, parts)
    text = report.render(measured.runs, measured.parts, plots, before_and_after)
    args.output.write_text(text)
    if args.json is not None:
        args.json.write_text(json.dumps({"meta": meta, "parts": parts}, indent=2))
    progress(f"wrote {args.output} and {len(plots)} plot(s) in {args.plots}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    unavailable = postgres.available()
    if unavailable is not None:
        progress(f"PostgreSQL at {postgres.SERVER_URL} is not available: {unavailable}")
        return 2
    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGALRM, out_of_time)
    sizes = SIZES["quick" if args.quick else "full"]
    signal.alarm(int(60 * (args.max_minutes or sizes["max_minutes"])))
    for name in postgres.drop_orphans():
        progress(f"dropped {name}, left by a run that was killed")
    started, date = time.monotonic(), datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    workdir = Path(tempfile.mkdtemp(prefix="hookdesk-bench-", dir=args.tmp_dir))
    try:
        parts, failed = run_suite(args, workdir)
    finally:
        signal.alarm(0)
        if args.keep:
            progress(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    if not parts:
        progress("FAILED, no report: no part ran to its end")
        return 2
    errors = sum(part.get("errors", 0) for part in parts.values())
    meta = {
        "date": date,
        "seconds": time.monotonic() - started,
        "quick": args.quick,
        "machine": machine(),
        "postgresql": postgresql_version(),
        "command": shlex.join(["python", "-m", "bench", *sys.argv[1:]]),
        "revision": revision(),
        "errors": errors,
    }
    write(args, parts, meta)
    return 1 if errors or failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""The `hookdesk` command's start-up: how long `hookdesk --help` and the API-client commands take
in a fresh process, beside a bare `python -c pass` timed in the same run.

    python bench/cli.py [--runs 11]

Every run is a new process of the same Python (the files are in the page cache and the bytecode
cache is written by an untimed first run, as `pip install` writes it: "cold" is a cold
interpreter, not a cold disk). The commands take turns, so a burst of other work on the machine
falls on all of them alike. Each process's wall time is from its start to its exit, as a person
waits for it; its CPU time and peak RSS come from the kernel (`wait4`). One real client call,
`hookdesk endpoints list`, runs against a `hookdesk serve` on SQLite started for it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (
    create_account,
    free_port,
    hookdesk_command,
    progress,
    running,
    server_env,
)

GOAL_S = 0.25  # median wall time of a client command's start (issue 18)
HELPS = (("--help",), ("endpoints", "list", "--help"), ("trigger", "--help"), ("listen", "--help"))
CALL = ("endpoints", "list")


@dataclass
class Timing:
    command: str
    runs: int
    wall_s_median: float
    wall_s_min: float
    cpu_s_median: float
    max_rss_mib: float
    failures: int


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python bench/cli.py", description=__doc__)
    parser.add_argument("--runs", type=int, default=11, help="fresh processes per command")
    return parser.parse_args(argv)


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float, float, bool]:
    """Wall seconds, CPU seconds, peak RSS in MiB and success of one process."""
    started = time.perf_counter()
    quiet = subprocess.DEVNULL
    process = subprocess.Popen(command, env=env, stdin=quiet, stdout=quiet, stderr=quiet)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, process.returncode == 0


def measure(commands: dict[str, list[str]], env: dict[str, str], runs: int) -> list[Timing]:
    # As an installed hookdesk runs: a first, untimed run of each writes the bytecode cache.
    env = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    for command in commands.values():
        timed(command, env)
    samples: dict[str, list[tuple[float, float, float, bool]]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            samples[name].append(timed(command, env))
    return [
        Timing(
            command=name,
            runs=runs,
            wall_s_median=statistics.median(s[0] for s in found),
            wall_s_min=min(s[0] for s in found),
            cpu_s_median=statistics.median(s[1] for s in found),
            max_rss_mib=max(s[2] for s in found),
            failures=sum(not s[3] for s in found),
        )
        for name, found in samples.items()
    ]


@contextmanager
def api_for_the_call(workdir: Path) -> Iterator[dict[str, str]]:
    """A `hookdesk serve` on SQLite and the environment that points the client commands at it."""
    env = server_env(workdir, "NORMAL")
    database_url = f"sqlite:///{workdir / 'cli.db'}"
    api_key = create_account(database_url, workdir, env)
    port = free_port()
    command = [str(hookdesk_command()), "serve", "--port", str(port)]
    with running("serve", [*command, "--database-url", database_url], port, workdir, env):
        yield {**env, "HOOKDESK_API_URL": f"http://127.0.0.1:{port}", "HOOKDESK_API_KEY": api_key}


def run(runs: int, workdir: Path) -> dict[str, Any]:
    hookdesk = str(hookdesk_command())
    commands = {"python -c pass": [sys.executable, "-c", "pass"]}
    commands |= {" ".join(("hookdesk", *args)): [hookdesk, *args] for args in HELPS}
    with api_for_the_call(workdir) as env:
        commands[" ".join(("hookdesk", *CALL))] = [hookdesk, *CALL]
        progress(f"cli: {len(commands)} commands, {runs} fresh processes each")
        load_before = os.getloadavg()[0]
        timings = measure(commands, env, runs)
        load_after = os.getloadavg()[0]
    return {
        "runs": runs,
        "load_average": [load_before, load_after],  # of the whole machine, over one minute
        "goal_s": GOAL_S,
        "ceiling": "python -c pass",
        "timings": [asdict(t) for t in timings],
        "errors": sum(t.failures for t in timings),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="hookdesk-bench-cli-") as folder:
        result = run(args.runs, Path(folder))
    bare = result["timings"][0]["wall_s_median"]
    print(f"{'command':34} {'median s':>9} {'min s':>7} {'CPU s':>7} {'RSS MiB':>8} {'/ bare':>7}")
    for t in result["timings"]:
        ratio = t["wall_s_median"] / bare if bare else float("nan")
        print(
            f"{t['command']:34} {t['wall_s_median']:9.3f} {t['wall_s_min']:7.3f} "
            f"{t['cpu_s_median']:7.3f} {t['max_rss_mib']:8.1f} {ratio:6.1f}x"
        )
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())

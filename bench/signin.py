"""Sign-in beside the API: what concurrent sign-ins cost other accounts' writes, and whether
the time a sign-in takes tells which emails belong to agents.

One `hookdesk serve` on a fresh SQLite file. This process measures, one after the other:

- the latency of API writes (client create) of one account, alone and then while `--signers`
  threads sign an agent of another account in to the console over and over;
- the time of a sign-in with a wrong password for an agent's email, and with an email of
  nobody (a new one each time, so that throttling never answers first).

    python bench/signin.py                 # 8 signers, 200 writes a phase, 40 sign-ins each
    python bench/signin.py --json

Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `python bench/signin.py` too

from bench.common import (
    HOST,
    create_account,
    free_port,
    hookdesk_command,
    post_json,
    progress,
    running,
    server_env,
)

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def sign_in(base: str, email: str, password: str) -> int:
    """One console sign-in as a browser makes it: the form, then its post. The HTTP status."""
    with httpx.Client(base_url=base, timeout=60) as http:
        page = http.get("/console/sign-in")
        token = page.cookies.get("form_token") or _match(page.text)
        answer = http.post(
            "/console/sign-in",
            data={"email": email, "password": password, "csrf_token": _match(page.text)},
            headers={"Cookie": f"form_token={token}"},
        )
        return answer.status_code


def _match(text: str) -> str:
    found = CSRF.search(text)
    if found is None:
        raise RuntimeError("no CSRF token in the sign-in page")
    return found.group(1)


def agent(base: str, port: int, api_key: str) -> str:
    """A teammate with a password (set through an invite, as a person would); its email."""
    body = {"name": "Bench Agent", "email": "agent@bench.example", "role": "admin"}
    teammate = post_json(port, "/v2/agency/teammates/create", body, api_key)["teammate"]
    link = post_json(port, f"/v2/agency/teammates/invite/{teammate['id']}", {}, api_key)["url"]
    with httpx.Client(base_url=base, timeout=60) as http:
        page = http.get(link.removeprefix(base))
        token = page.cookies.get("form_token") or _match(page.text)
        data = {"password": PASSWORD, "password_confirmation": PASSWORD}
        http.post(
            link.removeprefix(base),
            data=data | {"csrf_token": _match(page.text)},
            headers={"Cookie": f"form_token={token}"},
        )
    if sign_in(base, teammate["email"], PASSWORD) != 303:
        raise RuntimeError("the bench agent cannot sign in")
    return str(teammate["email"])


def write_latencies(port: int, api_key: str, count: int) -> list[float]:
    """Milliseconds of each of `count` client creations, one after another."""
    timings = []
    headers = {"Authorization": f"Bearer {api_key}"}
    # A long timeout: queued behind sign-ins, a write has been seen to take over 10 s.
    with httpx.Client(base_url=f"http://{HOST}:{port}", headers=headers, timeout=300) as http:
        for n in range(count):
            body = {"name": f"Client {n}", "email": f"c{time.monotonic_ns()}@bench.example"}
            started = time.perf_counter()
            answer = http.post("/v2/agency/clients/create", json=body)
            timings.append((time.perf_counter() - started) * 1000)
            if answer.status_code != 200:
                raise RuntimeError(f"a write answered {answer.status_code}: {answer.text[:300]}")
    return timings


def while_signing_in(base: str, email: str, signers: int, measure: Any) -> Any:
    stop = threading.Event()

    def keep_signing_in() -> None:
        while not stop.is_set():
            sign_in(base, email, PASSWORD)

    threads = [threading.Thread(target=keep_signing_in) for _ in range(signers)]
    for thread in threads:
        thread.start()
    time.sleep(1)  # every signer under way
    try:
        return measure()
    finally:
        stop.set()
        for thread in threads:
            thread.join()


def sign_in_times(base: str, email: str, count: int) -> dict[str, list[float]]:
    """Milliseconds of sign-ins with a wrong password for `email` and with unknown emails."""
    times: dict[str, list[float]] = {"wrong password": [], "unknown email": []}
    for n in range(count):
        for kind, address in (("wrong password", email), ("unknown email", f"nobody{n}@x.example")):
            started = time.perf_counter()
            status = sign_in(base, address, "not the password")
            times[kind].append((time.perf_counter() - started) * 1000)
            if status != 400:
                raise RuntimeError(f"a wrong sign-in answered {status}")
        sign_in(base, email, PASSWORD)  # forgives the failures: throttling stays out of the way
    return times


def p50(values: list[float]) -> float:
    return round(statistics.median(values), 1)


def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    env = server_env(workdir, "FULL")
    database_url = f"sqlite:///{workdir / 'hookdesk.db'}"
    signing_key = create_account(database_url, workdir, env)
    writing_key = create_account(database_url, workdir, env)
    port = free_port()
    base = f"http://{HOST}:{port}"
    command = [str(hookdesk_command()), "serve", "--dev", "--port", str(port)]
    with running("hookdesk", [*command, "--database-url", database_url], port, workdir, env):
        email = agent(base, port, signing_key)
        progress("API writes alone ...")
        alone = write_latencies(port, writing_key, args.writes)
        progress(f"API writes while {args.signers} threads sign in ...")
        beside = while_signing_in(
            base, email, args.signers, lambda: write_latencies(port, writing_key, args.writes)
        )
        progress("sign-in times ...")
        times = sign_in_times(base, email, args.sign_ins)
    return {
        "write_p50_ms_alone": p50(alone),
        "write_p50_ms_beside_sign_ins": p50(beside),
        "signers": args.signers,
        "sign_in_p50_ms": {kind: p50(values) for kind, values in times.items()},
        "sign_in_range_ms": {
            kind: [round(min(values), 1), round(max(values), 1)] for kind, values in times.items()
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--signers", type=int, default=8)
    parser.add_argument("--writes", type=int, default=200)
    parser.add_argument("--sign-ins", type=int, default=40)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="hookdesk-bench-") as folder:
        report = run(args, Path(folder))
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"API write p50: {report['write_p50_ms_alone']} ms alone, ", end="")
    print(f"{report['write_p50_ms_beside_sign_ins']} ms beside {args.signers} signing-in threads")
    for kind, value in report["sign_in_p50_ms"].items():
        low, high = report["sign_in_range_ms"][kind]
        print(f"sign-in with {kind}: p50 {value} ms (from {low} to {high})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

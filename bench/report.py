"""BENCHMARKS.md and its plots, from the figures of `python -m bench`.

Every part renders a section (a table, its ratios against the ceiling measured in the same run)
and its goals as (goal, measured, met) rows; the report opens with every goal in one table.
"""

from __future__ import annotations

import itertools
import os
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import fmt_ratio

CLAIM_FLAT = 2.0  # claim at the large backlog / at the small one
CROWD_FLAT = 1.5  # claim with many endpoints at rest / without them
DRAIN_FLAT = 1.5  # claim in the drain's last quarter / its first
RSS_FLAT = 1.2  # RSS in the drain's last quarter / its first
DISPATCH_RATIO = 0.8
DISPATCH_CPU_US = 110  # per delivery, one dispatcher's own
SCALING_STEP = 1.05  # "more throughput": at least 5% more than with fewer dispatchers
BUSY_PCT = 50.0  # CPU used outside the benchmark (100% = one core) worth a warning
P50_MS, P99_MS = 10.0, 50.0  # end-to-end latency goals (as bench/dispatch.py's)


@dataclass
class Goal:
    part: str
    goal: str
    measured: str
    met: bool | None  # None: could not be measured


@dataclass
class Section:
    title: str
    lines: list[str]
    goals: list[Goal]


def fmt(value: float | None, digits: int = 1, unit: str = "") -> str:
    return "n/a" if value is None else f"{value:.{digits}f}{unit}"


def table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def times(ratio: float | None) -> str:
    """A ratio that may be large: whole numbers from 100 on."""
    return fmt_ratio(ratio) if ratio is None or ratio < 100 else f"{ratio:,.0f}x"


def met_text(met: bool | None) -> str:
    return {True: "met", False: "**missed**", None: "n/a"}[met]


# --- dispatch throughput -------------------------------------------------------------------


def dispatch_section(part: dict[str, Any], plots: dict[str, str]) -> Section:
    best, ratios, limits = part["best"], part["ratios"], part["limits"]
    keys = ["bare", "sqlite", *(f"pg{n}" for n in part["processes"])]
    rows = [
        (
            best[k]["label"],
            best[k]["database"],
            str(best[k]["processes"]),
            str(best[k]["delivered"]),
            fmt(best[k]["steady_per_s"], 0),
            fmt_ratio(ratios[k]),
            fmt(cpu_per_delivery_us(best[k]), 0),
            fmt(best[k]["senders_cpu_pct"], 0),
            fmt(best[k]["receiver_cpu_pct"], 0),
            fmt(best[k]["machine_cpu_pct"], 0),
            fmt(best[k]["postgresql_cpu_pct"], 0),
            fmt(best[k]["other_cpu_pct"], 0),
            "-" if k == "bare" else limits[k],
        )
        for k in keys
    ]
    header = (
        *("sender", "database", "processes", "delivered", "deliveries/s", "/ bare loop"),
        *("CPU µs per delivery", "senders CPU%", "receiver CPU%", "machine CPU% (all cores)"),
        *("PostgreSQL CPU%", "others CPU%", "bound by"),
    )
    lines = [
        f"{part['deliveries']} due deliveries over {part['endpoints']} endpoints of one local "
        f"receiver; each dispatcher HOOKDESK_DISPATCHER_CONCURRENCY={part['concurrency']}, "
        f"HOOKDESK_ENDPOINT_CONCURRENCY={part['endpoint_concurrency']}; the bare loop: one "
        f"aiohttp session, {part['concurrency']} in flight. Rates over the steady part (10% to "
        f"90% of the deliveries counted), best of {part['repeat']} round(s). CPU: 100% = one "
        "core, except the machine's (100% = every core busy); PostgreSQL's is its server "
        "processes of the run's database over the whole run; 'others' is what every process "
        "outside the benchmark used meanwhile, PostgreSQL's included. CPU per delivery is "
        "the senders' own (PostgreSQL's server processes not counted).",
        "",
        *table(header, rows),
        "",
    ]
    if "dispatch" in plots:
        lines += [f"![Dispatch throughput by dispatcher processes]({plots['dispatch']})", ""]
    return Section("Dispatch throughput", lines, dispatch_goals(part))


def cpu_per_delivery_us(run: dict[str, Any]) -> float | None:
    """The senders' CPU over the steady part per delivery, in microseconds."""
    cpu, rate = run["senders_cpu_pct"], run["steady_per_s"]
    return None if cpu is None or not rate else cpu / 100 / rate * 1e6


def dispatch_goals(part: dict[str, Any]) -> list[Goal]:
    ratios, best = part["ratios"], part["best"]
    goals = []
    for key, name in (("pg1", "PostgreSQL"), ("sqlite", "SQLite")):
        if key in ratios:
            ratio = ratios[key]
            goals.append(
                Goal(
                    "dispatch",
                    f"{name}, one dispatcher >= {DISPATCH_RATIO} of the bare loop",
                    fmt_ratio(ratio),
                    None if ratio is None else ratio >= DISPATCH_RATIO,
                )
            )
    for key, name in (("pg1", "PostgreSQL"), ("sqlite", "SQLite")):
        if key in best:
            cpu = cpu_per_delivery_us(best[key])
            bare = cpu_per_delivery_us(best["bare"])
            goals.append(
                Goal(
                    "dispatch",
                    f"{name}, one dispatcher's CPU per delivery <= {DISPATCH_CPU_US} µs",
                    f"{fmt(cpu, 0)} µs (the bare loop: {fmt(bare, 0)} µs)",
                    None if cpu is None else cpu <= DISPATCH_CPU_US,
                )
            )
    counts = [n for n in part["processes"] if f"pg{n}" in best]
    steps = list(itertools.pairwise(counts))
    if steps:
        rates = " -> ".join(f"x{n} {best[f'pg{n}']['steady_per_s']:.0f}/s" for n in counts)
        met: bool | None = all(
            scaled(best[f"pg{a}"], best[f"pg{b}"], part["saturated"][f"pg{a}"]) for a, b in steps
        )
        bound = part["limits"][f"pg{counts[-1]}"]
        if not met and any(part["disturbed"][f"pg{n}"] for n in counts):
            met = None  # the CPUs went to other work: adding dispatchers could not show
            bound += "; not judged: other processes took the CPUs"
        goals.append(
            Goal(
                "dispatch",
                "PostgreSQL: more throughput with more dispatchers until the CPUs or the "
                "receiver are saturated",
                f"{rates}; x{counts[-1]} bound by {bound}",
                met,
            )
        )
    return goals


def scaled(fewer: dict[str, Any], more: dict[str, Any], fewer_saturated: bool) -> bool:
    return fewer_saturated or more["steady_per_s"] >= SCALING_STEP * fewer["steady_per_s"]


def plot_dispatch(part: dict[str, Any], path: Path) -> None:
    import matplotlib.pyplot as plt

    best = part["best"]
    counts = [n for n in part["processes"] if f"pg{n}" in best]
    fig, (rate_ax, cpu_ax) = plt.subplots(1, 2, figsize=(11, 4))
    rate_ax.plot(counts, [best[f"pg{n}"]["steady_per_s"] for n in counts], "o-", label="PostgreSQL")
    rate_ax.axhline(best["bare"]["steady_per_s"], color="grey", ls="--", label="bare aiohttp loop")
    if "sqlite" in best:
        rate_ax.plot([1], [best["sqlite"]["steady_per_s"]], "s", label="SQLite")
    rate_ax.set(xlabel="hookdesk dispatcher processes", ylabel="deliveries/s", xticks=counts)
    rate_ax.set_ylim(bottom=0)
    rate_ax.legend()
    rate_ax.set_title("Throughput")
    for key, label in (
        ("machine_cpu_pct", "machine (100% = all cores)"),
        ("receiver_cpu_pct", "receiver (100% = one core)"),
        ("senders_cpu_pct", "dispatchers (100% = one core)"),
        ("postgresql_cpu_pct", "PostgreSQL, this database (100% = one core)"),
    ):
        cpu_ax.plot(counts, [best[f"pg{n}"][key] or 0 for n in counts], "o-", label=label)
    cpu_ax.set(xlabel="hookdesk dispatcher processes", ylabel="CPU %", xticks=counts)
    cpu_ax.set_ylim(bottom=0)
    cpu_ax.legend()
    cpu_ax.set_title("CPU on PostgreSQL")
    save(fig, path)


# --- latency -------------------------------------------------------------------------------


def latency_section(part: dict[str, Any], plots: dict[str, str]) -> Section:
    floor = part["floor_ms"]
    rows = [
        (
            p["database"],
            f"{p['rate']:g}",
            fmt(p["achieved_per_s"]),
            f"{p['delivered']}/{p['tickets']}",
            fmt(p["delivery_ms"]["p50"], 2),
            fmt(p["delivery_ms"]["p99"], 2),
            times(p["delivery_ms"]["p50"] / floor["p50"] if floor["p50"] else None),
            fmt(p["api_ms"]["p50"], 2),
            fmt(p["server_cpu_pct"], 0),
            fmt(p["other_cpu_pct"], 0),
        )
        for p in part["points"]
    ]
    header = (
        *("database", "tickets/s", "sent/s", "delivered", "p50 ms", "p99 ms", "p50 / floor"),
        *("API answer p50 ms", "hookdesk serve CPU%", "others CPU%"),
    )
    lines = [
        f"POST /v2/agency/tickets/create at steady rates for {part['seconds']:g} s each (after "
        f"{part['warmup_s']:g} s warm-up) over {part['connections']} keep-alive connections; "
        "`hookdesk serve --dev` with its in-process dispatcher, one endpoint; latency from the "
        "API's answer to the receiver's arrival. The floor: one bare aiohttp POST at a time to "
        f"the same receiver, p50 {floor['p50']:.2f} ms, p99 {floor['p99']:.2f} ms.",
        "",
        *table(header, rows),
        "",
    ]
    if "latency" in plots:
        lines += [f"![End-to-end latency by rate]({plots['latency']})", ""]
    return Section("End-to-end latency", lines, latency_goals(part))


def latency_goals(part: dict[str, Any]) -> list[Goal]:
    goals = []
    for kind in dict.fromkeys(p["database"] for p in part["points"]):
        points = sorted((p for p in part["points"] if p["database"] == kind), key=rate_of)
        top = points[-1]["rate"]
        for key, limit in (("p50", P50_MS), ("p99", P99_MS)):
            held = [p["rate"] for p in itertools.takewhile(within(key, limit), points)]
            worst = max(points, key=lambda p: p["delivery_ms"][key])
            measured = (
                f"holds up to {held[-1]:g}/s" if held else "holds at no rate measured"
            ) + f"; worst {worst['delivery_ms'][key]:.2f} ms at {worst['rate']:g}/s"
            complete = all(not p["missing"] for p in points)
            behind = "".join(
                f"; {p['rate']:g}/s reached {p['achieved_per_s']:g}/s"
                for p in points
                if not kept_up(p)
            )
            goals.append(
                Goal(
                    "latency",
                    f"{kind}: {key} < {limit:g} ms at every rate up to {top:g}/s",
                    measured + ("" if complete else "; deliveries missing") + behind,
                    len(held) == len(points) and complete,
                )
            )
    return goals


def rate_of(point: dict[str, Any]) -> float:
    return float(point["rate"])


# A rate is held only where the load reached it: a server that cannot keep up sends fewer
# tickets, and those few can arrive fast.
KEPT_UP = 0.95


def within(key: str, limit: float) -> Callable[[dict[str, Any]], bool]:
    return lambda point: bool(
        point["delivery_ms"][key] < limit and not point["missing"] and kept_up(point)
    )


def kept_up(point: dict[str, Any]) -> bool:
    return bool(point["achieved_per_s"] >= KEPT_UP * point["rate"])


def plot_latency(part: dict[str, Any], path: Path) -> None:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    kinds = dict.fromkeys(p["database"] for p in part["points"])
    for color, kind in enumerate(kinds):
        points = [p for p in part["points"] if p["database"] == kind]
        rates = [p["rate"] for p in points]
        for key, style in (("p50", "o-"), ("p99", "s--")):
            values = [p["delivery_ms"][key] for p in points]
            ax.plot(rates, values, style, color=f"C{color}", label=f"{kind} {key}")
    ax.axhline(part["floor_ms"]["p50"], color="grey", ls=":", label="bare POST p50 (floor)")
    ax.set(xlabel="tickets created per second", ylabel="API answer -> arrival, ms")
    ax.set_yscale("log")
    ax.legend()
    ax.set_title("End-to-end latency")
    save(fig, path)


# --- fan-out -------------------------------------------------------------------------------


def fanout_section(part: dict[str, Any], plots: dict[str, str]) -> Section:
    rows = [
        (
            r["database"],
            str(r["endpoints"]),
            f"{r['complete']}/{r['tickets']}",
            fmt(r["last_arrival_ms_p50"], 2),
            fmt(r["last_arrival_ms_max"], 2),
            fmt(r["deliveries_per_s"], 0),
            fmt(r["bare_burst_ms"], 2),
            fmt(r["bare_per_s"], 0),
            fmt_ratio(r["ratio"]),
        )
        for r in part["rows"]
    ]
    header = (
        *("database", "endpoints", "complete", "last arrival p50 ms", "max ms"),
        *("deliveries/s", "bare burst ms", "bare/s", "/ bare"),
    )
    lines = [
        f"One ticket created at a time ({part['tickets']} per row) for an account whose 1, 10 "
        "or 100 endpoints all take `whitelabel.ticket.created`; time from the API's answer to "
        "the last endpoint's arrival (median), deliveries/s over it. The ceiling: the same "
        "number of POSTs sent at once by one bare aiohttp session (best of 3). Issue 6 sets no "
        "goal here.",
        "",
        *table(header, rows),
        "",
    ]
    if "fanout" in plots:
        lines += [f"![Fan-out: time to the last arrival]({plots['fanout']})", ""]
    return Section("Fan-out", lines, [])


def plot_fanout(part: dict[str, Any], path: Path) -> None:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for kind in dict.fromkeys(r["database"] for r in part["rows"]):
        rows = [r for r in part["rows"] if r["database"] == kind]
        counts = [r["endpoints"] for r in rows]
        ax.plot(counts, [r["last_arrival_ms_p50"] or 0 for r in rows], "o-", label=kind)
        ax.plot(counts, [r["bare_burst_ms"] for r in rows], "x:", label=f"bare burst ({kind} run)")
    ax.set(xlabel="endpoints", ylabel="API answer -> last arrival, ms")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.legend()
    ax.set_title("Fan-out of one ticket")
    save(fig, path)


# --- API -----------------------------------------------------------------------------------


# Server CPU per request, in ms: the goals of issue 18 (create per database; list and retrieve
# on both).
API_CPU_MS = {
    ("sqlite", "create"): 1.5,
    ("postgresql", "create"): 2.0,
    ("sqlite", "list"): 1.5,
    ("postgresql", "list"): 1.5,
    ("sqlite", "retrieve"): 0.7,
    ("postgresql", "retrieve"): 0.7,
}
API_ROUTES = ("create", "list", "retrieve")


def cpu_ms_per_request(result: dict[str, Any]) -> float | None:
    """The server's CPU seconds over the requests it answered, in ms (from its CPU% and rate in
    runs that did not record it)."""
    if result.get("server_cpu_ms_per_request") is not None:
        return float(result["server_cpu_ms_per_request"])
    if result["server_cpu_pct"] is None or not result["req_per_s"]:
        return None
    return 10 * result["server_cpu_pct"] / result["req_per_s"]


def cpu_over_bare(mine: dict[str, Any], bare: dict[str, Any]) -> float | None:
    """The median, over the turns the two servers took (bench/api.py `interleaved`), of
    hookdesk's CPU per request over the bare app's: a figure a busier machine moves less than
    either (None for a run from before the turns)."""
    turns = zip(
        mine.get("slices_cpu_ms_per_request", []),
        bare.get("slices_cpu_ms_per_request", []),
        strict=True,
    )
    ratios = [m / b for m, b in turns if m is not None and b]
    return statistics.median(ratios) if ratios else None


def _limiter_words(rate_limit: float | None) -> str:
    if rate_limit is None:  # a run from before the limiter was set
        return ""
    if not rate_limit:
        return " Without the rate limiter."
    return f" The rate limiter runs ({rate_limit:,.0f} requests/s per key, never reached)."


def api_section(part: dict[str, Any], _plots: dict[str, str]) -> Section:
    rows = []
    for kind, results in part["results"].items():
        by_name = {r["server"]: r for r in results}
        for route in API_ROUTES:
            if f"hookdesk {route}" not in by_name:
                continue  # a run from before the route was measured
            bare, mine = by_name[f"bare {route}"], by_name[f"hookdesk {route}"]
            ratio = mine["req_per_s"] / bare["req_per_s"] if bare["req_per_s"] else None
            p99 = mine["p99_ms"] / bare["p99_ms"] if bare["p99_ms"] else None
            for r in (bare, mine):
                rows.append(
                    (
                        kind,
                        r["server"],
                        str(r["requests"]),
                        str(r["errors"] + r["warmup_errors"]),
                        fmt(r["req_per_s"]),
                        fmt(r["p50_ms"], 2),
                        fmt(r["p99_ms"], 2),
                        fmt(r["server_cpu_pct"], 0),
                        fmt(cpu_ms_per_request(r), 2),
                        fmt_ratio(cpu_over_bare(mine, bare)) if r is mine else "",
                        fmt_ratio(ratio) if r is mine else "",
                        fmt_ratio(p99) if r is mine else "",
                    )
                )
    header = (
        *("database", "server, route", "requests", "errors", "req/s", "p50 ms", "p99 ms"),
        *("server CPU%", "CPU ms / request", "CPU / bare", "req/s / bare", "p99 / bare"),
    )
    lines = [
        f"{part['connections']} keep-alive connections, one request in flight each, "
        f"{part['warmup_s']:g} s warm-up then {part['duration_s']:g} s per row; the bare app is "
        "a plain ASGI app under the same uvicorn settings answering the same shapes. Create: "
        "POST /v2/agency/tickets/create; list: GET /v2/agency/tickets/list?page=1&per_page=20"
        "&order=desc over the tickets just created; retrieve: GET "
        "/v2/agency/tickets/retrieve/{id} of one of them. CPU ms / request is the server's CPU "
        "seconds over the requests it answered, which moves less with a busy machine than a rate. "
        "Both servers run throughout, and each row is measured in 5 turns that alternate with "
        "the other server's (a host busier for a while slows both alike); CPU / bare is the "
        "median over those turns of hookdesk's CPU per request over the bare app's, which a busier "
        "host moves less than either figure alone." + _limiter_words(part.get("rate_limit")),
        "",
        *table(header, rows),
        "",
    ]
    return Section("API", lines, api_goals(part))


def api_goals(part: dict[str, Any]) -> list[Goal]:
    goals = []
    for (kind, route), limit in API_CPU_MS.items():
        by_name = {r["server"]: r for r in part["results"].get(kind, [])}
        found = by_name.get(f"hookdesk {route}")
        measured = None if found is None else cpu_ms_per_request(found)
        shown = fmt(measured, 2, " ms")
        over_bare = None if found is None else cpu_over_bare(found, by_name[f"bare {route}"])
        if over_bare is not None:
            shown += f" ({fmt_ratio(over_bare)} the bare app's)"
        goals.append(
            Goal(
                "api",
                f"{route} on {kind}: server CPU per request <= {limit:g} ms",
                shown,
                None if measured is None else measured <= limit,
            )
        )
    return goals


# --- backlog -------------------------------------------------------------------------------


def backlog_section(part: dict[str, Any], plots: dict[str, str]) -> Section:
    d, small, large = part["drain"], part["claim_small_ms"], part["claim_large_ms"]
    rows = [
        ("claim p50 / p99, 1,000 pending (ceiling)", f"{small['p50']:.2f} / {small['p99']:.2f} ms"),
        (
            f"claim p50 / p99, {part['backlog']:,} pending, idle",
            f"{large['p50']:.2f} / {large['p99']:.2f} ms",
        ),
        *(
            [
                (
                    f"claim p50 / p99, then with {part['idle_endpoints']:,} more endpoints "
                    "with nothing pending",
                    f"{part['claim_crowded_ms']['p50']:.2f} / "
                    f"{part['claim_crowded_ms']['p99']:.2f} ms",
                )
            ]
            if "claim_crowded_ms" in part
            else []
        ),
        (
            "claim while draining, first / last quarter",
            f"{d['claim_ms_first_quarter']:.2f} / {d['claim_ms_last_quarter']:.2f} ms",
        ),
        (
            "dispatcher RSS, first / last quarter, max",
            f"{d['rss_mib_first_quarter']} / {d['rss_mib_last_quarter']} / {d['rss_mib_max']} MiB",
        ),
        ("SQL statements in one claim", str(part["claim_statements"])),
        ("delivered while sampled", f"{d['delivered']} ({d['delivered_per_s']:.0f}/s)"),
        ("bulk insert (generate_series) and ANALYZE", f"{part['insert_s']:.1f} s"),
    ]
    lines = [
        f"{part['backlog']:,} deliveries in PostgreSQL over {part['endpoints']} endpoints: half "
        "pending and due, half retrying (attempted 1-5 times, due in an hour). A claim is "
        "`hookdesk.webhooks.dispatch.claim.claim` (limit 200, 16 per endpoint) in a transaction "
        "rolled back, timed from this process; while one `hookdesk dispatcher` drains the backlog "
        "it is sampled beside the dispatcher's RSS.",
        "",
        *table(("figure", "value"), rows),
        "",
    ]
    if "backlog" in plots:
        lines += [f"![Claim latency and RSS while draining]({plots['backlog']})", ""]
    for name, plan in part["plans"].items():
        lines += [f"EXPLAIN (ANALYZE, BUFFERS), {name}, at {part['backlog']:,}:", "", "```"]
        lines += [plan, "```", ""]
    return Section("Backlog", lines, backlog_goals(part))


def backlog_goals(part: dict[str, Any]) -> list[Goal]:
    d = part["drain"]
    ratio, growth, rss = part["claim_ratio"], d["claim_growth"], d["rss_growth"]
    n = f"{part['backlog']:,}"
    return [
        Goal(
            "backlog",
            f"claim at {n} pending <= {CLAIM_FLAT} x the claim at 1,000",
            fmt_ratio(ratio),
            None if ratio is None else ratio <= CLAIM_FLAT,
        ),
        *_crowded_goal(part),
        Goal(
            "backlog",
            f"claim flat while draining (last quarter <= {DRAIN_FLAT} x first)",
            fmt_ratio(growth),
            None if growth is None else growth <= DRAIN_FLAT,
        ),
        Goal(
            "backlog",
            f"dispatcher RSS flat while draining (last quarter <= {RSS_FLAT} x first)",
            fmt_ratio(rss),
            None if rss is None else rss <= RSS_FLAT,
        ),
        Goal(
            "backlog",
            "the claim's query plans read deliveries and events through indexes (no sequential "
            "scan)",
            "indexes only" if part["indexes_only"] else "a sequential scan",
            part["indexes_only"],
        ),
    ]


def _crowded_goal(part: dict[str, Any]) -> list[Goal]:
    crowded = part.get("claim_crowded_ratio")  # absent from runs before it was measured
    if "claim_crowded_ms" not in part:
        return []
    return [
        Goal(
            "backlog",
            f"claim with {part['idle_endpoints']:,} more endpoints with nothing pending <= "
            f"{CROWD_FLAT} x the claim without them",
            fmt_ratio(crowded),
            None if crowded is None else crowded <= CROWD_FLAT,
        )
    ]


def plot_backlog(part: dict[str, Any], path: Path) -> None:
    import matplotlib.pyplot as plt

    samples = part["samples"]
    seconds = [s["seconds"] - samples[0]["seconds"] for s in samples]
    fig, (claim_ax, rss_ax) = plt.subplots(1, 2, figsize=(11, 4))
    claim_ax.plot(seconds, [s["claim_ms"] for s in samples], ".-", label="claim while draining")
    claim_ax.axhline(part["claim_small_ms"]["p50"], color="grey", ls="--", label="1,000 pending")
    claim_ax.axhline(
        part["claim_large_ms"]["p50"], color="black", ls=":", label=f"{part['backlog']:,}, idle"
    )
    claim_ax.set(xlabel="seconds since the first delivery", ylabel="claim, ms")
    claim_ax.set_ylim(bottom=0)
    claim_ax.legend()
    claim_ax.set_title("Claim latency")
    rss_ax.plot(seconds, [s["rss_mib"] or 0 for s in samples], ".-")
    rss_ax.set(xlabel="seconds since the first delivery", ylabel="dispatcher RSS, MiB")
    rss_ax.set_ylim(bottom=0)
    rss_ax.set_title("Dispatcher memory")
    save(fig, path)


# --- the whole report ----------------------------------------------------------------------


def save(fig: Any, path: Path) -> None:
    import matplotlib.pyplot as plt

    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


# --- mail ----------------------------------------------------------------------------------

MAIL_SEND_RATIO = 0.5  # as bench/mail.py's goals
MAIL_REPLY_P50_MS = 50.0
MAIL_IDLE_P50_S = 1.0


def mail_section(part: dict[str, Any], _plots: dict[str, str]) -> Section:
    send = part["send"]
    lines = [
        f"{send['messages']} notifications (agent replies in five languages) handed to a local "
        "aiosmtpd: a bare aiosmtplib loop sending them pre-rendered over one connection, then "
        "hookdesk rendering each (templates, CSS inlined, MIME) and sending it on its kept "
        "connection (`mail/smtp.py`).",
        "",
        *table(
            ("loop", "messages/s", "connections"),
            [
                ("bare aiosmtplib", fmt(send["bare_per_s"], 0), "1"),
                ("hookdesk", fmt(send["hookdesk_per_s"], 0), str(send["hookdesk_connections"])),
            ],
        ),
        "",
        *_reply_lines(part.get("reply", [])),
        "An IMAP APPEND to a private Dovecot until the ticket it opens is committed, one at a "
        "time, read by `hookdesk dispatcher` waiting in IDLE (its poll interval set to 60 s).",
        "",
        *table(
            ("database", "appends", "p50 ms", "p99 ms", "max ms"),
            [
                (
                    r["database"],
                    str(r["appends"]),
                    fmt(r["p50_s"] * 1000, 0),
                    fmt(r["p99_s"] * 1000, 0),
                    fmt(r["max_s"] * 1000, 0),
                )
                for r in part["receive"]
            ],
        ),
        "",
    ]
    goals = [
        Goal(
            "mail",
            f"notifications sent >= {MAIL_SEND_RATIO}x the bare aiosmtplib loop",
            fmt_ratio(send["ratio"]),
            None if send["ratio"] is None else send["ratio"] >= MAIL_SEND_RATIO,
        ),
        *_reply_goals(part.get("reply", [])),
    ]
    goals += [
        Goal(
            "mail",
            f"IMAP APPEND -> reply committed with IDLE, p50 < {MAIL_IDLE_P50_S * 1000:.0f} ms "
            f"({r['database']})",
            f"{r['p50_s'] * 1000:.0f} ms",
            r["p50_s"] < MAIL_IDLE_P50_S,
        )
        for r in part["receive"]
    ]
    return Section("Mail", lines, goals)


def _reply_lines(reply: list[dict[str, Any]]) -> list[str]:
    if not reply:  # runs before the dispatcher sent mail
        return []
    return [
        "Agent replies to 50 tickets in turn at a steady rate through `hookdesk serve` (its "
        "dispatcher in "
        "the same process, `HOOKDESK_SMTP_URL` a local aiosmtpd), from the request's start to "
        "aiosmtpd accepting the reply's notification; the first tenth warms up.",
        "",
        *table(
            ("database", "replies", "rate", "p50 ms", "p99 ms", "max ms", "CPU ms/reply", "errors"),
            [
                (
                    r["database"],
                    str(r["replies"]),
                    f"{r['rate']:g}/s",
                    fmt(r["p50_ms"], 1),
                    fmt(r["p99_ms"], 1),
                    fmt(r["max_ms"], 1),
                    fmt(r.get("cpu_ms_per_reply"), 1),
                    str(r["errors"]),
                )
                for r in reply
            ],
        ),
        "",
    ]


def _reply_goals(reply: list[dict[str, Any]]) -> list[Goal]:
    if not reply:
        return [Goal("mail", "agent reply -> accepted by SMTP, p50 < 50 ms at 50/s", "n/a", None)]
    return [
        Goal(
            "mail",
            f"agent reply -> accepted by SMTP, p50 < {MAIL_REPLY_P50_MS:.0f} ms at "
            f"{r['rate']:g}/s ({r['database']})",
            f"{r['p50_ms']:.1f} ms",
            r["p50_ms"] < MAIL_REPLY_P50_MS,
        )
        for r in reply
    ]


# --- the command's start-up ------------------------------------------------------------------


def cli_section(part: dict[str, Any], _plots: dict[str, str]) -> Section:
    timings = part["timings"]
    bare = next(t for t in timings if t["command"] == part["ceiling"])["wall_s_median"]
    rows = [
        (
            f"`{t['command']}`",
            fmt(t["wall_s_median"], 3),
            fmt(t["wall_s_min"], 3),
            fmt(t["cpu_s_median"], 3),
            fmt(t["max_rss_mib"], 0),
            times(t["wall_s_median"] / bare if bare else None),
        )
        for t in timings
    ]
    lines = [
        f"Each command run {part['runs']} times, each time in a new process of the same Python, "
        "the commands taking turns, after an untimed first run that writes the bytecode cache; "
        "`python -c pass` is the ceiling. Wall time from the process's "
        "start to its exit; CPU (user + system) and peak RSS from the kernel. `hookdesk endpoints "
        "list` calls a `hookdesk serve` on SQLite started for it. The machine's load average "
        f"(one minute) was {part['load_average'][0]:.1f} before and {part['load_average'][1]:.1f} "
        f"after, on {os.cpu_count()} cores: a process that waits for a core counts in its wall "
        "time, not in its CPU time.",
        "",
        *table(
            ("command", "median s", "fastest s", "CPU s (median)", "peak RSS MiB", "/ ceiling"),
            rows,
        ),
        "",
    ]
    goals = [
        Goal(
            "cli",
            f"`{t['command']}` starts in <= {part['goal_s']} s (median)",
            f"{t['wall_s_median']:.3f} s",
            t["wall_s_median"] <= part["goal_s"] and not t["failures"],
        )
        for t in timings
        if t["command"] != part["ceiling"]
    ]
    return Section("The command's start-up", lines, goals)


# --- serve --workers ------------------------------------------------------------------------

WORKERS_RATIO = 1.7  # creates/s with --workers 2 / with one process
LAST_DELIVERY_MS = 100.0  # the last delivery after the last answer of a burst


def workers_ceiling(runs: list[dict[str, Any]]) -> str:
    """The most creates/s two processes could reach against one, were the cores their only
    limit and each create's CPU (all processes') the same: all cores busy, over how busy the
    one-process run kept them."""
    busy = next((r.get("machine_busy_pct") for r in runs if r["workers"] == 1), None)
    if not busy:
        return ""
    return (
        f"; one process kept the machine {busy:.0f}% busy, so the cores allow at most "
        f"{100 / busy:.2f}x"
    )


def workers_section(part: dict[str, Any], _plots: dict[str, str]) -> Section:
    rows = [
        (
            str(r["workers"]),
            str(r["creates"]),
            fmt(r["creates_per_s"]),
            fmt(r["p50_ms"], 2),
            fmt(r["p99_ms"], 2),
            fmt(r["server_cpu_pct"], 0),
            fmt(r["cpu_ms_per_create"], 2),
            fmt(r.get("machine_busy_pct"), 0),
            fmt(r["last_delivery_after_ms"], 0),
            str(r["errors"]),
        )
        for r in part["runs"]
    ]
    points = [
        (
            f"{p['rate']:g}",
            fmt(p["achieved_per_s"]),
            fmt(p["delivery_ms"]["p50"], 2),
            fmt(p["delivery_ms"]["p99"], 2),
            fmt(p["api_ms"]["p50"], 2),
            str(p["errors"]),
        )
        for p in part["points"]
    ]
    lines = [
        f"`hookdesk serve --workers N --dev` on PostgreSQL: N API processes and one dispatcher "
        f"process. Ticket creates over {part['connections']} keep-alive connections, "
        f"{part['warmup_s']:g} s warm-up then {part['duration_s']:g} s, each ticket delivered to "
        "a local receiver; CPU is the whole process tree's (parent, API processes, dispatcher), "
        "per create answered. 'last delivery' is how long after the load's last answer the "
        "last delivery arrived. The load generator, the receiver and PostgreSQL share the same "
        "cores, so two API processes cannot get two whole cores: 'machine busy' is the share of "
        "all cores busy during the load, every process's. Where one process already keeps the "
        "machine busy, a second can add at most what is left: the ceiling beside the goal.",
        "",
        *table(
            (
                *("API processes", "creates", "creates/s", "p50 ms", "p99 ms", "tree CPU%"),
                *("CPU ms / create", "machine busy %", "last delivery ms", "errors"),
            ),
            rows,
        ),
        "",
        "With `--workers 2`: the API's answer -> the receiver's arrival at steady rates.",
        "",
        *table(("rate/s", "achieved/s", "p50 ms", "p99 ms", "API p50 ms", "errors"), points),
        "",
    ]
    ratio = part["ratio"]
    last = max(
        (r["last_delivery_after_ms"] for r in part["runs"] if r["workers"] == 2), default=None
    )
    goals = [
        Goal(
            "workers",
            f"PostgreSQL: creates/s with --workers 2 >= {WORKERS_RATIO}x one process",
            fmt_ratio(ratio) + workers_ceiling(part["runs"]),
            None if ratio is None else ratio >= WORKERS_RATIO,
        ),
        Goal(
            "workers",
            f"--workers 2: the last delivery <= {LAST_DELIVERY_MS:.0f} ms after a burst's last "
            "answer",
            fmt(last, 0, " ms"),
            None if last is None else last <= LAST_DELIVERY_MS,
        ),
    ]
    for goal in latency_goals({"points": part["points"]}):
        goals.append(Goal("workers", f"--workers 2, {goal.goal}", goal.measured, goal.met))
    return Section("Several API processes (serve --workers)", lines, goals)


# --- search at the size of years --------------------------------------------------------------


def search_section(part: dict[str, Any], plots: dict[str, str]) -> Section:
    goals_of = part["goals"]
    lines = [
        f"One account of {part['tickets']:,} tickets loaded by `bench/bulk.py` (loaded once, "
        "kept under /tmp and reused). Server-side: hookdesk's `list_page` (the count and the "
        f"first page of {part['per_page']}, as the route runs them) on a warm cache, "
        f"{part['repeat']} runs a query after one untimed (CPU: this process's and, on "
        "PostgreSQL, its server processes', per run); API: the same request to "
        "`hookdesk serve` on the database, one keep-alive client. The search mix is every term "
        "below but the two letters, which no trigram index can answer.",
        "",
    ]
    goals = []
    for kind, result in part["results"].items():
        loaded = result["loaded"]
        lines += [
            f"### {kind}",
            "",
            f"{loaded['tickets']:,} tickets, {loaded['replies']:,} replies, "
            f"{loaded['clients']:,} clients, {loaded['open_tickets']:,} open; loaded in "
            f"{loaded['seconds']:.0f} s ({loaded['rows_seconds']:.0f} s of rows, the rest "
            "indexes and the search index)"
            + (", reused by this run." if loaded.get("reused") else "."),
            "",
            *table(
                (
                    "search",
                    "text",
                    "tickets",
                    "p50 ms",
                    "p99 ms",
                    "CPU ms",
                    "API p50 ms",
                    "API p99 ms",
                ),
                [_search_row(s, result["api"].get(s["text"], {})) for s in result["searches"]],
            ),
            "",
        ]
        mix, inbox = result["mix"], result["inbox"]
        inbox_api = result["api"].get("inbox", {})
        lines += [
            f"- search mix: p50 {mix['p50_ms']:.1f} ms, p99 {mix['p99_ms']:.1f} ms",
            f"- inbox (open tickets by last activity, {inbox['list']['total']:,}): p50 "
            f"{inbox['list']['p50_ms']:.1f} ms, p99 {inbox['list']['p99_ms']:.1f} ms, CPU "
            f"{inbox['list']['cpu_ms']:.1f} ms"
            + (f"; through the API p50 {inbox_api['p50_ms']:.1f} ms" if inbox_api else ""),
            f"- the console's inbox (its page and its counts of every view): p50 "
            f"{inbox['console']['p50_ms']:.1f} ms, p99 {inbox['console']['p99_ms']:.1f} ms, CPU "
            f"{inbox['console']['cpu_ms']:.1f} ms",
            "",
            "<details><summary>Query plans</summary>",
            "",
        ]
        for name, explained in result["plans"].items():
            lines += [f"{name}:", "", "```", *explained, "```", ""]
        lines += ["</details>", ""]
        goals += [
            Goal(
                "search",
                f"{kind}: a search's first page, p50 < {goals_of['search_p50_ms']:g} ms",
                f"{mix['p50_ms']:.1f} ms",
                mix["p50_ms"] < goals_of["search_p50_ms"],
            ),
            Goal(
                "search",
                f"{kind}: a search's first page, p99 < {goals_of['search_p99_ms']:g} ms",
                f"{mix['p99_ms']:.1f} ms",
                mix["p99_ms"] < goals_of["search_p99_ms"],
            ),
            Goal(
                "search",
                f"{kind}: the inbox's first page < {goals_of['inbox_ms']:g} ms (p50)",
                f"{inbox['list']['p50_ms']:.1f} ms",
                inbox["list"]["p50_ms"] < goals_of["inbox_ms"],
            ),
        ]
    lines += _search_sizes(part, plots)
    return Section("Search at the size of years", lines, goals)


def _search_sizes(part: dict[str, Any], plots: dict[str, str]) -> list[str]:
    """The search mix and the inbox at each size measured (the smaller ones without the API)."""
    sizes = part.get("by_size")
    if not sizes:
        return []
    kinds = list(sizes[-1]["results"])
    rows = [
        (
            f"{size['tickets']:,}",
            kind,
            fmt(size["results"][kind]["mix"]["p50_ms"]),
            fmt(size["results"][kind]["mix"]["p99_ms"]),
            fmt(size["results"][kind]["inbox"]["p50_ms"]),
            fmt(size["results"][kind]["inbox"]["p99_ms"]),
        )
        for size in sizes
        for kind in kinds
        if kind in size["results"]
    ]
    lines = [
        "### By the account's size",
        "",
        *table(
            ("tickets", "database", "mix p50 ms", "mix p99 ms", "inbox p50 ms", "inbox p99 ms"),
            rows,
        ),
        "",
    ]
    if "search" in plots:
        lines += [f"![Search and inbox time by the account's size]({plots['search']})", ""]
    return lines


def plot_search(part: dict[str, Any], path: Path) -> None:
    import matplotlib.pyplot as plt

    sizes = part.get("by_size") or []
    fig, ax = plt.subplots(figsize=(7, 4))
    for color, kind in enumerate(dict.fromkeys(k for size in sizes for k in size["results"])):
        shown = [size for size in sizes if kind in size["results"]]
        tickets = [size["tickets"] for size in shown]
        for figure, key, style in (("mix", "p50_ms", "o-"), ("mix", "p99_ms", "s--")):
            values = [size["results"][kind][figure][key] for size in shown]
            ax.plot(tickets, values, style, color=f"C{color}", label=f"{kind} search {key[:3]}")
        inbox = [size["results"][kind]["inbox"]["p50_ms"] for size in shown]
        ax.plot(tickets, inbox, "^:", color=f"C{color}", label=f"{kind} inbox p50")
    goals = part["goals"]
    ax.axhline(goals["search_p50_ms"], color="grey", ls=":", label="goal p50")
    ax.axhline(goals["search_p99_ms"], color="grey", ls="-.", label="goal p99")
    ax.set(xlabel="tickets in the account (5 replies each)", ylabel="first page, ms")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.legend(fontsize="small")
    ax.set_title("Search and inbox by size")
    save(fig, path)


def _search_row(search: dict[str, Any], api: dict[str, float]) -> tuple[str, ...]:
    return (
        search["kind"],
        f"`{search['text']}`",
        f"{search['total']:,}",
        fmt(search["p50_ms"]),
        fmt(search["p99_ms"]),
        fmt(search["cpu_ms"]),
        fmt(api.get("p50_ms")),
        fmt(api.get("p99_ms")),
    )


def inbox_section(part: dict[str, Any], _plots: dict[str, str]) -> Section:
    goal = part["goal_ms"]
    lines = [
        f"One account of {part['tickets']:,} tickets loaded by `bench/bulk.py` (kept and reused, "
        "as the search part's). A signed-in agent's `GET /console`: the open tickets by last "
        f"activity, the first {part['per_page']}, with every view's count, {part['repeat']} "
        "times after 5 untimed, the app in the bench's process (its middleware, session check, "
        "queries and template, through Starlette's test client; no network). Taking turns with "
        "it: the inbox's queries alone (counts, page, the tickets' views, names) and the bare "
        "query of the page's 20 rows (one hand-written statement), the ceiling. CPU: this "
        "process's, every thread, median per run (on PostgreSQL the server's own is not in it)."
        + _load_words(part),
        "",
        *table(
            (
                "database",
                "open",
                "page p50 ms",
                "page p99 ms",
                "page CPU ms",
                "queries p50 ms",
                "bare p50 ms",
                "page / bare",
            ),
            [_inbox_row(kind, r) for kind, r in part["results"].items()],
        ),
        "",
    ]
    goals = [
        Goal(
            "inbox",
            f"{kind}: the console inbox's first page at {part['tickets']:,} tickets, server time "
            f"p50 < {goal:g} ms",
            f"p50 {r['page']['p50_ms']:.1f} ms, p99 {r['page']['p99_ms']:.1f} ms",
            r["page"]["p50_ms"] < goal,
        )
        for kind, r in part["results"].items()
    ]
    return Section("The console's inbox", lines, goals)


def _load_words(part: dict[str, Any]) -> str:
    if "load_average" not in part:
        return ""
    before, after = part["load_average"]
    return (
        f" The machine's load average (one minute) was {before:.1f} before and {after:.1f} after, "
        f"on {os.cpu_count()} cores: a request that waits for a core counts in its wall time, "
        "not in its CPU time."
    )


def _inbox_row(kind: str, result: dict[str, Any]) -> tuple[str, ...]:
    page, bare = result["page"], result["bare"]
    return (
        kind,
        f"{result['open_tickets']:,}",
        fmt(page["p50_ms"]),
        fmt(page["p99_ms"]),
        fmt(page["cpu_ms"]),
        fmt(result["data"]["p50_ms"]),
        fmt(bare["p50_ms"], 2),
        times(page["p50_ms"] / bare["p50_ms"] if bare["p50_ms"] else None),
    )


SECTIONS: dict[str, Callable[[dict[str, Any], dict[str, str]], Section]] = {
    "dispatch": dispatch_section,
    "latency": latency_section,
    "fanout": fanout_section,
    "api": api_section,
    "backlog": backlog_section,
    "mail": mail_section,
    "cli": cli_section,
    "workers": workers_section,
    "search": search_section,
    "inbox": inbox_section,
}
PLOTS: dict[str, Callable[[dict[str, Any], Path], None]] = {
    "dispatch": plot_dispatch,
    "latency": plot_latency,
    "fanout": plot_fanout,
    "backlog": plot_backlog,
    "search": plot_search,
}


def draw_plots(parts: dict[str, Any], plot_dir: Path, relative_to: Path) -> dict[str, str]:
    """PNG files for the parts that have a curve; their paths relative to the report."""
    import matplotlib

    matplotlib.use("Agg")
    plot_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, draw in PLOTS.items():
        if name in parts:
            path = plot_dir / f"{name}.png"
            draw(parts[name], path)
            written[name] = path.resolve().relative_to(relative_to.resolve()).as_posix()
    return written


def busy_elsewhere(parts: dict[str, Any]) -> float | None:
    """The most CPU (100% = one core) that processes outside the benchmark used during a
    measured run without PostgreSQL in it: the dispatch runs (PostgreSQL's CPU for the run's
    database taken out) and the SQLite latency runs."""
    seen = [
        max(0.0, (r["other_cpu_pct"] or 0.0) - (r["postgresql_cpu_pct"] or 0.0))
        for r in parts.get("dispatch", {}).get("runs", [])
    ]
    seen += [
        p["other_cpu_pct"] or 0.0
        for p in parts.get("latency", {}).get("points", [])
        if p["database"] == "sqlite"
    ]
    return max(seen, default=None)


def render(
    runs: dict[str, dict[str, Any]],
    parts: dict[str, Any],
    plots: dict[str, str],
    before_and_after: list[str] | None = None,
) -> str:
    """The report of every part in `parts`, each measured by the run `runs` names for it."""
    sections = [SECTIONS[name](parts[name], plots) for name in SECTIONS if name in parts]
    goals = [goal for section in sections for goal in section.goals]
    latest = max(runs.values(), key=lambda meta: meta["date"])
    m = latest["machine"]
    lines = ["# hookdesk benchmarks", ""]
    if latest["quick"]:
        lines += [
            "**A quick run (`--quick`): every part at a small size, as a smoke test. Its "
            "figures are not the real ones; the full run is the command without `--quick`.**",
            "",
        ]
    # Parts kept from an earlier run may have been measured on another machine: then each part's
    # row names its own, and the figures of two parts are not to be compared in absolute terms.
    several = len({_machine(meta["machine"]) for meta in runs.values()}) > 1
    machine_line = (
        "- machines: not the same for every part (the table below names each part's); the "
        f"latest run's: {_machine(m)}"
        if several
        else f"- machine: {_machine(m)}"
    )
    lines += [
        machine_line,
        f"- software: {m['python']}, hookdesk {m['hookdesk']}, uvicorn {m['uvicorn']}, "
        f"SQLite {m['sqlite']} (synchronous=FULL), PostgreSQL {latest['postgresql']} on "
        "127.0.0.1",
        "",
        "Each part's figures come from the latest run of that part (`python -m bench --parts "
        "NAME` measures some parts anew and keeps the others' from `bench/results.json`):",
        "",
        *table(
            ("part", "date", "hookdesk at", "command", "the run took", "errors")
            + (("machine",) if several else ()),
            [
                _run_row(name, runs[name])
                + ((runs[name]["machine"]["cpu_model"],) if several else ())
                for name in parts
            ],
        ),
        "",
        "Every process runs on this machine and talks over 127.0.0.1 only. Each figure stands "
        "beside a ceiling measured in the same run (a bare aiohttp loop, a bare ASGI app, a "
        "small backlog): on a machine shared with other work the absolute numbers move from "
        "run to run, the ratios much less. The 'others CPU%' columns show how busy the rest "
        "of the machine was.",
        "",
    ]
    busiest = busy_elsewhere(parts)
    if busiest is not None and busiest >= BUSY_PCT:
        lines += [
            f"**During this run other work used up to {busiest:.0f}% of a core (of "
            f"{m['cpu_count'] * 100}%) beside the benchmark: its absolute figures are low and "
            "CPU-bound verdicts say so.**",
            "",
        ]
    lines += [
        "## Goals",
        "",
        *table(
            ("part", "goal", "measured", "verdict"),
            [(g.part, g.goal, g.measured, met_text(g.met)) for g in goals],
        ),
        "",
    ]
    if before_and_after:
        lines += ["## Before and after", "", *before_and_after]
    for section in sections:
        lines += [f"## {section.title}", "", *section.lines]
    return "\n".join(lines).rstrip() + "\n"


def _machine(m: dict[str, Any]) -> str:
    return (
        f"{m['cpu_count']} cores, {m['cpu_model']}, {m['memory_gib']} GiB memory, {m['platform']}"
    )


def _run_row(name: str, meta: dict[str, Any]) -> tuple[str, ...]:
    return (
        name,
        meta["date"],
        meta.get("revision", "?"),
        f"`{meta['command']}`",
        f"{meta['seconds'] / 60:.1f} min",
        str(meta["errors"] or "none"),
    )

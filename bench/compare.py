"""Before and after: this run's headline figures beside those of an earlier run's JSON
(`python -m bench --json FILE` on an earlier commit, then `--baseline FILE`). The file may carry
`changes`: what was changed since, listed above the table.

Ratios against a ceiling measured in the same run compare across runs; absolute rates and times
only when both runs had the same quiet machine, which the dates and machines in the section say.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bench.common import fmt_ratio
from bench.report import API_ROUTES, P50_MS, cpu_ms_per_request, table

Figure = tuple[str, Callable[[dict[str, Any]], float | None], int]  # name, reader, digits

DISPATCH = {"sqlite": "SQLite x1", "pg1": "PostgreSQL x1", "pg2": "PostgreSQL x2"}
DISPATCH |= {"pg4": "PostgreSQL x4"}


def _dispatch_ratio(key: str) -> Callable[[dict[str, Any]], float | None]:
    return lambda parts: parts["dispatch"]["ratios"].get(key)


def _dispatch_rate(key: str) -> Callable[[dict[str, Any]], float | None]:
    return lambda parts: parts["dispatch"]["best"][key]["steady_per_s"]


def _latency_held(database: str) -> Callable[[dict[str, Any]], float | None]:
    """The highest rate up to which every point's p50 stayed under the goal."""

    def read(parts: dict[str, Any]) -> float | None:
        points = sorted(
            (p for p in parts["latency"]["points"] if p["database"] == database),
            key=lambda p: float(p["rate"]),
        )
        held = None
        for point in points:
            if point["missing"] or point["delivery_ms"]["p50"] >= P50_MS:
                break
            held = float(point["rate"])
        return held

    return read


def _latency_p50(database: str, rate: float) -> Callable[[dict[str, Any]], float | None]:
    def read(parts: dict[str, Any]) -> float | None:
        for point in parts["latency"]["points"]:
            if point["database"] == database and float(point["rate"]) == rate:
                return float(point["delivery_ms"]["p50"])
        return None

    return read


def _fanout_ratio(database: str, endpoints: int) -> Callable[[dict[str, Any]], float | None]:
    def read(parts: dict[str, Any]) -> float | None:
        for row in parts["fanout"]["rows"]:
            if row["database"] == database and row["endpoints"] == endpoints:
                return row["ratio"]
        return None

    return read


def _api_ratio(database: str, route: str) -> Callable[[dict[str, Any]], float | None]:
    def read(parts: dict[str, Any]) -> float | None:
        by_name = {r["server"]: r for r in parts["api"]["results"][database]}
        bare = by_name[f"bare {route}"]["req_per_s"]
        return by_name[f"hookdesk {route}"]["req_per_s"] / bare if bare else None

    return read


def _api_cpu(database: str, route: str) -> Callable[[dict[str, Any]], float | None]:
    def read(parts: dict[str, Any]) -> float | None:
        by_name = {r["server"]: r for r in parts["api"]["results"][database]}
        return cpu_ms_per_request(by_name[f"hookdesk {route}"])

    return read


def _backlog(read: Callable[[dict[str, Any]], float]) -> Callable[[dict[str, Any]], float | None]:
    return lambda parts: read(parts["backlog"])


FIGURES: dict[str, list[Figure]] = {
    "dispatch": [
        *[
            (f"dispatch {label}, / bare loop", _dispatch_ratio(k), 3)
            for k, label in DISPATCH.items()
        ],
        *[
            (f"dispatch {label}, deliveries/s", _dispatch_rate(k), 0)
            for k, label in DISPATCH.items()
        ],
    ],
    "latency": [
        *[
            (
                f"latency {db}: highest rate with p50 < {P50_MS:g} ms, tickets/s",
                _latency_held(db),
                0,
            )
            for db in ("sqlite", "postgresql")
        ],
        *[
            (f"latency {db}: p50 at 100 tickets/s, ms", _latency_p50(db, 100.0), 2)
            for db in ("sqlite", "postgresql")
        ],
    ],
    "fanout": [
        (f"fan-out {db}, 100 endpoints, / bare burst", _fanout_ratio(db, 100), 3)
        for db in ("sqlite", "postgresql")
    ],
    "api": [
        (f"API {db} {route}, / bare app", _api_ratio(db, route), 4)
        for db in ("sqlite", "postgresql")
        for route in ("create", "list")
    ]
    + [
        (f"API {db} {route}, server CPU ms / request", _api_cpu(db, route), 2)
        for db in ("sqlite", "postgresql")
        for route in API_ROUTES
    ],
    "backlog": [
        ("backlog: SQL statements in one claim", _backlog(lambda b: b["claim_statements"]), 0),
        (
            "backlog: claim p50 at 1,000 pending, ms",
            _backlog(lambda b: b["claim_small_ms"]["p50"]),
            2,
        ),
        (
            "backlog: claim p50 at the large backlog, ms",
            _backlog(lambda b: b["claim_large_ms"]["p50"]),
            2,
        ),
        (
            "backlog: claim p50 with 10,000 more endpoints at rest, ms",
            _backlog(lambda b: b["claim_crowded_ms"]["p50"]),
            2,
        ),
        (
            "backlog: delivered/s while draining",
            _backlog(lambda b: b["drain"]["delivered_per_s"]),
            0,
        ),
    ],
}


def _read(figure: Figure, parts: dict[str, Any]) -> float | None:
    _name, reader, _digits = figure
    try:
        return reader(parts)
    except (KeyError, TypeError):  # a part or a figure the other run did not have
        return None


def _shown(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def section(baseline: dict[str, Any], meta: dict[str, Any], parts: dict[str, Any]) -> list[str]:
    before_meta, before_parts = baseline["meta"], baseline["parts"]
    rows = []
    for name, figures in FIGURES.items():
        if name not in parts or name not in before_parts:
            continue
        for figure in figures:
            before, after = _read(figure, before_parts), _read(figure, parts)
            change = fmt_ratio(after / before) if before and after is not None else "-"
            rows.append((figure[0], _shown(before, figure[2]), _shown(after, figure[2]), change))
    changes = [f"- {change}" for change in baseline.get("changes", [])]
    return [
        f"Before: {describe(before_meta)}. After: {describe(meta)}. The ratios stand each against "
        "the ceiling of their own run; absolute figures compare only as far as the two runs' "
        "machines were equally quiet (see each run's 'others CPU%').",
        "",
        *(
            ["What changed between the two, as the measurements showed the need:", "", *changes, ""]
            if changes
            else []
        ),
        *table(("figure", "before", "after", "after / before"), rows),
        "",
    ]


def describe(meta: dict[str, Any]) -> str:
    revision = meta.get("revision") or "an unrecorded revision"
    return f"hookdesk at {revision}, run {meta['date']} with `{meta['command']}`"

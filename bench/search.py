"""Search at the size of years: the first page of a search and of the inbox, on a million tickets.

    python -m bench.search                   # 1,000,000 tickets and about 5,000,000 replies
    python -m bench.search --tickets 20000   # small
    python -m bench --parts search [--quick]

Each database (SQLite, PostgreSQL) is filled once by `bench/bulk.py` and kept for the next run:
the SQLite file and the manifests under `--data-dir` (/tmp/hookdesk-search), the PostgreSQL
database `hookdesk_search_<tickets>` on the local server (`--reload` fills them again). Then:

- the first page (20) of `GET /v2/agency/tickets/list?filter=...` for search terms of every
  selectivity found in the data (an order number, an email, a rare word, a surname, words in a
  tenth of the tickets or in nearly all of them, two letters), through hookdesk's own
  `tickets.listing.list_page` (its count and its page, as the route runs them) on a warm cache:
  `--repeat` times each, p50 and p99 per term and over the whole mix;
- the inbox's first page: open tickets by last activity (the list with `closed=false` and
  `sort_by=updated_at`), and the console's inbox (`tickets/inbox.py`, its page and its counts);
- the query plans: EXPLAIN QUERY PLAN on SQLite, EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL;
- the same searches through the API: `hookdesk serve` on the database, one keep-alive client.

Progress goes to stderr; `--json` writes the figures.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import statistics
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `python bench/search.py` too

from bench import bulk, postgres
from bench.common import HOST, free_port, hookdesk_command, positive_int, progress, running
from bench.common import server_env as make_server_env

if TYPE_CHECKING:
    from hookdesk.db import Database

DATA_DIR = Path("/tmp/hookdesk-search")
PER_PAGE = 20
SEARCH_P50_MS = 50.0
SEARCH_P99_MS = 200.0
INBOX_MS = 20.0
DATABASES = ("sqlite", "postgresql")
BUDGET_S = 20.0  # for the runs of one query
API_UNDER_MS = 5000.0  # a search slower than this (server-side) is not asked of the API too


# --- the data, loaded once -----------------------------------------------------------------


def dataset(
    kind: str, tickets: int, data_dir: Path, reload: bool, name_prefix: str = "hookdesk_search"
) -> dict[str, Any]:
    """The manifest of a loaded database of `tickets` tickets, loading it first if needed; on
    PostgreSQL the database `<name_prefix>_<tickets>`."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / f"sqlite-{tickets}.db"
    name = f"{name_prefix}_{tickets}"
    # Where `python -m bench.bulk` writes it for SQLite by default; PostgreSQL's is named.
    manifest = Path(f"{path}.json") if kind == "sqlite" else data_dir / f"{kind}-{tickets}.json"
    if manifest.exists() and not reload and (kind == "sqlite" or _pg_exists(name)):
        progress(f"{kind}: reusing the {tickets:,} tickets of {manifest}")
        loaded: dict[str, Any] = json.loads(manifest.read_text())
        loaded["reused"] = True
        return loaded
    manifest.unlink(missing_ok=True)
    if kind == "sqlite":
        for stale in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            stale.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        postgres.drop(name)
        _pg_create(name)
        url = f"{postgres.SERVER_URL}/{name}".replace("postgresql://", "postgresql+psycopg://")
    fresh = asdict(bulk.load(url, tickets, manifest))
    fresh["reused"] = False
    return fresh


def _pg_exists(name: str) -> bool:
    import psycopg

    with psycopg.connect(f"{postgres.SERVER_URL}/postgres", connect_timeout=5) as admin:
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    return found is not None


def _pg_create(name: str) -> None:
    import psycopg

    with psycopg.connect(
        f"{postgres.SERVER_URL}/postgres", autocommit=True, connect_timeout=5
    ) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')


# --- the search terms ----------------------------------------------------------------------


def search_terms(database: Database, account_id: str) -> list[tuple[str, str]]:
    """(kind, text) for terms of every selectivity, taken from the data itself."""
    from sqlalchemy import select

    from hookdesk.models.clients import Client
    from hookdesk.models.tickets import Reply

    with database.read() as session:
        order = session.scalar(
            select(Reply.text)
            .where(Reply.account_id == account_id, Reply.text.like("%Order #%"))
            .order_by(Reply.id)
            .limit(1)
        )
        email = session.scalar(
            select(Client.email)
            .where(Client.account_id == account_id)
            .order_by(Client.id)
            .offset(7)
            .limit(1)
        )
        # In the order of creation: the same replies, so the same words, on both databases and
        # in every run (unordered, PostgreSQL hands over whichever rows its scan meets first).
        rare = [
            _uncommon_word(
                session.scalar(select(Reply.text).order_by(Reply.id).offset(offset).limit(1)) or ""
            )
            for offset in (1000, 4321)
        ]
    number = (order or "Order #A00000000.").split("Order ")[-1].rstrip(".")
    return [
        ("order number", number),
        ("email", email or "nobody@example.com"),
        ("part of an email", (email or "x.y@z").split("@")[0][:-1]),
        ("rare word", rare[0]),
        ("rare word", rare[1]),
        ("surname", "Lovelace"),
        ("two words", "password reset"),
        ("Japanese", "届いていません"),
        ("German, any case", "ärgerlich"),
        ("common word", "warranty"),
        ("common word", "refund"),
        ("in most tickets", "the"),
        ("two letters", "ok"),
    ]


def _uncommon_word(text: str) -> str:
    """The longest word of `text` outside the loader's common words."""
    words = [w.strip(".!?,").lower() for w in text.split()]
    uncommon = [w for w in words if w.isalpha() and w not in _COMMON]
    return max(uncommon, key=len, default="zzzz")


_COMMON = {w.lower() for w in bulk.COMMON}


# --- measuring -----------------------------------------------------------------------------


def timed_ms(run: Callable[[], Any], repeat: int) -> list[float]:
    """`repeat` runs after an untimed one (which warms the caches), or as many as fit in
    BUDGET_S: a query of seconds keeps its first, cold run and may have only that one."""
    samples: list[float] = []
    budget_ends = time.monotonic() + BUDGET_S
    first = _once_ms(run)
    if first > BUDGET_S * 1000 / 4:
        samples.append(first)
    while len(samples) < repeat and time.monotonic() < budget_ends:
        samples.append(_once_ms(run))
    return samples


def _once_ms(run: Callable[[], Any]) -> float:
    started = time.perf_counter()
    run()
    return (time.perf_counter() - started) * 1000


def timed(run: Callable[[], Any], repeat: int, url: str) -> tuple[list[float], dict[str, float]]:
    """The wall times of `repeat` runs, their percentiles, and the CPU of a run (this
    process's, and on PostgreSQL its server processes'): on a machine shared with other work
    the CPU moves less."""
    server = _server_cpu_s(url)
    started = time.process_time()
    samples = timed_ms(run, repeat)
    client = time.process_time() - started
    cpu_ms = (client + _server_cpu_s(url) - server) * 1000 / (len(samples) + 1)
    return samples, {**summary(samples), "cpu_ms": cpu_ms}


def _server_cpu_s(url: str) -> float:
    if url.startswith("sqlite"):
        return 0.0
    return sum(postgres.backend_cpu_seconds(url).values())


def percentile(samples: list[float], percent: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1)))]


def summary(samples: list[float]) -> dict[str, float]:
    return {
        "p50_ms": statistics.median(samples),
        "p99_ms": percentile(samples, 99),
        "max_ms": max(samples),
    }


def search_page(database: Database, account_id: str, **filters: Any) -> Callable[[], int]:
    from hookdesk.shared.paging import Page
    from hookdesk.tickets.listing import TicketFilters, list_page

    def run() -> int:
        with database.read() as session:
            total, _page = list_page(
                session,
                account_id=account_id,
                filters=TicketFilters(**filters),
                page=Page(1, PER_PAGE),
            )
        return total

    return run


def console_inbox(database: Database, account_id: str) -> Callable[[], int]:
    from hookdesk.shared.paging import Page
    from hookdesk.tickets import inbox
    from hookdesk.tickets.listing import TicketFilters

    filters = TicketFilters(sort_by="updated_at")
    teammate_id = bulk.uuid_of(0xA1, 0)

    def run() -> int:
        with database.read() as session:
            inbox.page_of(
                session,
                account_id=account_id,
                teammate_id=teammate_id,
                view=inbox.View.OPEN,
                filters=filters,
                page=Page(1, PER_PAGE),
            )
            counted = inbox.counts(
                session, account_id=account_id, teammate_id=teammate_id, filters=filters
            )
        return counted[inbox.View.OPEN]

    return run


@contextlib.contextmanager
def statements(database: Database) -> Iterator[list[tuple[str, Any]]]:
    """The SQL statements run inside the block, with their parameters."""
    from sqlalchemy import event

    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        seen.append((statement, parameters))

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(database.engine, "before_cursor_execute", record)


def plans(database: Database, run: Callable[[], Any]) -> list[str]:
    """The plan of every statement `run` sends, as the database explains it."""
    with statements(database) as seen:
        run()
    sqlite = database.engine.dialect.name == "sqlite"
    prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN (ANALYZE, BUFFERS) "
    explained = []
    with database.engine.connect() as connection:
        for statement, parameters in seen:
            rows = connection.exec_driver_sql(prefix + statement, parameters).fetchall()
            lines = [_plan_line(row, sqlite) for row in rows]
            explained.append(statement.strip() + "\n" + "\n".join(lines))
    return explained


def _plan_line(row: Any, sqlite: bool) -> str:
    return f"  {row[3]}" if sqlite else f"  {row[0]}"


# --- through the API -----------------------------------------------------------------------


def through_api(
    url: str, api_key: str, terms: list[tuple[str, str]], repeat: int, workdir: Path
) -> dict[str, dict[str, float]]:
    """The same requests to `hookdesk serve`, for `terms` (those of seconds left out)."""
    port = free_port()
    env = make_server_env(workdir, "FULL")
    command = [str(hookdesk_command()), "serve", "--host", HOST, "--port", str(port)]
    found: dict[str, dict[str, float]] = {}
    with running("search-api", [*command, "--database-url", url], port, workdir, env):
        connection = http.client.HTTPConnection(HOST, port, timeout=600)
        headers = {"Authorization": f"Bearer {api_key}"}
        for kind, term in [*terms, ("inbox", "")]:
            query: dict[str, Any] = {"page": 1, "per_page": PER_PAGE}
            query |= {"closed": "false", "sort_by": "updated_at"} if kind == "inbox" else {}
            query |= {"filter": term} if term else {}
            path = "/v2/agency/tickets/list?" + urllib.parse.urlencode(query)

            def get(path: str = path) -> None:
                connection.request("GET", path, headers=headers)
                answer = connection.getresponse()
                body = answer.read()
                if answer.status != 200:
                    raise RuntimeError(f"GET {path} answered {answer.status}: {body[:300]!r}")

            found[term or kind] = summary(timed_ms(get, repeat))
            progress(f"  API {kind} {term!r}: p50 {found[term or kind]['p50_ms']:.1f} ms")
        connection.close()
    return found


# --- one database --------------------------------------------------------------------------


def measure(loaded: dict[str, Any], repeat: int, workdir: Path, api: bool) -> dict[str, Any]:
    from hookdesk.db import Database
    from hookdesk.migrations.migrate import upgrade

    database = Database(loaded["database_url"])
    account_id = loaded["account_id"]
    try:
        upgrade(database.engine)  # data kept from an earlier run: to this version's schema
        with database.engine.connect() as connection:  # statistics for indexes it made
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
        terms = search_terms(database, account_id)
        searches: list[dict[str, Any]] = []
        mix: list[float] = []
        url = loaded["database_url"]
        for kind, term in terms:
            run = search_page(database, account_id, text=term)
            samples, figures = timed(run, repeat, url)
            searches.append({"kind": kind, "text": term, "total": run(), **figures})
            if kind != "two letters":  # below the index: measured, outside the goal
                mix += samples
            progress(
                f"  {kind} {term!r}: {searches[-1]['total']:,} tickets, "
                f"p50 {searches[-1]['p50_ms']:.1f} ms, p99 {searches[-1]['p99_ms']:.1f} ms"
            )
        open_list = search_page(database, account_id, closed=False, sort_by="updated_at")
        inbox_run = console_inbox(database, account_id)
        inbox = {
            "list": {"total": open_list(), **timed(open_list, repeat, url)[1]},
            "console": {"total": inbox_run(), **timed(inbox_run, repeat, url)[1]},
        }
        progress(
            f"  inbox: list p50 {inbox['list']['p50_ms']:.1f} ms, "
            f"console p50 {inbox['console']['p50_ms']:.1f} ms"
        )
        explained = {
            "search (a rare word)": plans(
                database, search_page(database, account_id, text=terms[3][1])
            ),
            "search (a common word)": plans(
                database, search_page(database, account_id, text="refund")
            ),
            "inbox (open by last activity)": plans(database, open_list),
            "console inbox": plans(database, inbox_run),
        }
    finally:
        database.dispose()
    quick = [
        (kind, term)
        for (kind, term), s in zip(terms, searches, strict=True)
        if s["p50_ms"] < API_UNDER_MS
    ]
    through = (
        through_api(loaded["database_url"], loaded["api_key"], quick, repeat, workdir)
        if api
        else {}
    )
    return {
        "loaded": loaded,
        "searches": searches,
        "mix": summary(mix),
        "inbox": inbox,
        "plans": explained,
        "api": through,
    }


def run(
    tickets: int,
    repeat: int,
    workdir: Path,
    data_dir: Path = DATA_DIR,
    reload: bool = False,
    api: bool = True,
    kinds: tuple[str, ...] = DATABASES,
) -> dict[str, Any]:
    results = {}
    for kind in kinds:
        loaded = dataset(kind, tickets, data_dir, reload)
        progress(
            f"--- search on {kind}: {loaded['tickets']:,} tickets, {loaded['replies']:,} replies"
        )
        results[kind] = measure(loaded, repeat, workdir, api)
    return {
        "tickets": tickets,
        "repeat": repeat,
        "per_page": PER_PAGE,
        "goals": {
            "search_p50_ms": SEARCH_P50_MS,
            "search_p99_ms": SEARCH_P99_MS,
            "inbox_ms": INBOX_MS,
        },
        "results": results,
        "errors": 0,
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.search", description=__doc__)
    add = parser.add_argument
    add("--tickets", type=positive_int, default=1_000_000, help="the size (replies: 5 a ticket)")
    add("--repeat", type=positive_int, default=30, help="runs of each query after a warm-up")
    add("--data-dir", type=Path, default=DATA_DIR, help="the SQLite files and the manifests")
    add("--reload", action="store_true", help="load the databases again")
    add("--no-api", action="store_true", help="only the queries, no hookdesk serve")
    add("--databases", nargs="+", choices=DATABASES, default=list(DATABASES))
    add("--json", type=Path, help="write the figures and plans to this file")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    import tempfile

    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="hookdesk-search-") as workdir:
        found = run(
            args.tickets,
            args.repeat,
            Path(workdir),
            args.data_dir,
            args.reload,
            not args.no_api,
            tuple(args.databases),
        )
    from bench.report import search_section

    section = search_section(found, {})
    print("\n".join([f"## {section.title}", "", *section.lines]))
    if args.json is not None:
        args.json.write_text(json.dumps(found, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The console's inbox at 10,000 tickets: the first page's server time, beside its ceilings.

    python -m bench.inbox                   # 10,000 tickets, 200 requests per database
    python -m bench --parts inbox [--quick]

One account with 10,000 tickets (about 50,000 replies, 1,000 clients), loaded once by
`bench/bulk.py` (executemany on SQLite, COPY on PostgreSQL) and kept for the next runs as the
search part keeps its own (`/tmp/hookdesk-inbox`, the database `hookdesk_inbox_10000`), migrated
to this hookdesk's schema before each run.
A teammate of the account signed in (a real session cookie) asks `GET /console` as an agent
opens it: the open tickets by last activity, the first 20, with every view's count. The app
runs in this process (no network, no server process): a request's time is the app's whole
answer, its middleware, session check, queries and template, through Starlette's test client.

Beside it, taking turns with it (so that the machine's other work weighs on each alike), on the
same database:
- the data: the inbox's queries alone (the counts, the page, the tickets' views, the names), as
  the route runs them, without the session check, the middleware or the template;
- the bare query: the page's 20 rows by one hand-written SQL statement, the floor any inbox
  of this order pays.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `python bench/inbox.py` too

from bench import bulk, search
from bench.common import positive_int, progress

if TYPE_CHECKING:
    from hookdesk.db import Database

TICKETS = 10_000
GOAL_MS = 100.0
PER_PAGE = 20
DATABASES = ("sqlite", "postgresql")
DATA_DIR = Path("/tmp/hookdesk-inbox")
BARE_PAGE = (
    "SELECT id, title, updated_at FROM tickets WHERE account_id = :account AND is_open"
    " ORDER BY updated_at DESC, created_us DESC, id DESC LIMIT 20"
)


def summary(samples: list[float]) -> dict[str, float]:
    return {
        "p50_ms": statistics.median(samples),
        "p99_ms": search.percentile(samples, 99),
        "max_ms": max(samples),
    }


def signed_in(database: Database, account_id: str) -> str:
    """A session cookie of the account's first teammate (bench/bulk.py's ids)."""
    from hookdesk.access import sessions

    with database.transaction() as session:
        started = sessions.start(
            session, sessions.Kind.AGENT, account_id=account_id, subject_id=bulk.uuid_of(0xA1, 0)
        )
    return started.token


@contextlib.contextmanager
def inbox_page(database: Database, workdir: Path, account_id: str) -> Iterator[Callable[[], int]]:
    """A request of the inbox's first page by a signed-in agent, to the app in this process."""
    from cryptography.fernet import Fernet
    from fastapi.testclient import TestClient

    from hookdesk.app import create_app
    from hookdesk.config import Settings

    settings = Settings(
        database_url=database.url,
        data_dir=workdir / "data",
        public_url="http://127.0.0.1",
        secret_key=Fernet.generate_key().decode(),
        rate_limit=0,
    )
    cookie = {"Cookie": f"agent_session={signed_in(database, account_id)}"}
    with TestClient(create_app(settings, database)) as client:

        def run() -> int:
            answer = client.get("/console", headers=cookie)
            if answer.status_code != 200 or "<tr data-ticket=" not in answer.text:
                raise RuntimeError(f"the inbox answered {answer.status_code}: {answer.text[:300]}")
            return answer.status_code

        yield run


def in_turns(runs: dict[str, Callable[[], Any]], repeat: int) -> dict[str, dict[str, list[float]]]:
    """Each run `repeat` times after 5 untimed, taking turns, so that the machine's other work
    weighs on each alike: wall and CPU (this process's, every thread) milliseconds."""
    for _ in range(5):
        for run in runs.values():
            run()
    samples: dict[str, dict[str, list[float]]] = {n: {"wall": [], "cpu": []} for n in runs}
    for _ in range(repeat):
        for name, run in runs.items():
            wall, cpu = time.perf_counter(), time.process_time()
            run()
            samples[name]["cpu"].append((time.process_time() - cpu) * 1000)
            samples[name]["wall"].append((time.perf_counter() - wall) * 1000)
    return samples


def inbox_data(database: Database, account_id: str) -> Callable[[], int]:
    """The inbox's queries, as `web/console/inbox.py` runs them for the first page."""
    from hookdesk.categories import service as categories
    from hookdesk.shared.paging import Page
    from hookdesk.teammates import service as teammates
    from hookdesk.tickets import inbox, views
    from hookdesk.tickets.listing import TicketFilters

    filters = TicketFilters(sort_by="updated_at")
    teammate_id = bulk.uuid_of(0xA1, 0)

    def run() -> int:
        with database.read() as session:
            counts = inbox.counts(
                session, account_id=account_id, teammate_id=teammate_id, filters=filters
            )
            rows = inbox.page_of(
                session,
                account_id=account_id,
                teammate_id=teammate_id,
                view=inbox.View.OPEN,
                filters=filters,
                page=Page(1, PER_PAGE),
            )
            views.ticket_views(
                session,
                account_id=account_id,
                tickets=rows,
                public_url="http://127.0.0.1",
                with_replies=False,
            )
            categories.list_all(session, account_id=account_id)
            teammates.names(session, account_id=account_id)
            teammates.assignable(session, account_id=account_id)
        return counts[inbox.View.OPEN]

    return run


def bare_page(database: Database, account_id: str) -> Callable[[], int]:
    from sqlalchemy import text

    statement = text(BARE_PAGE)

    def run() -> int:
        with database.engine.connect() as connection:
            return len(connection.execute(statement, {"account": account_id}).all())

    return run


def measure(loaded: dict[str, Any], repeat: int, workdir: Path) -> dict[str, Any]:
    from hookdesk.db import Database
    from hookdesk.migrations.migrate import upgrade

    database = Database(loaded["database_url"])
    try:
        upgrade(database.engine)  # a database kept from a run of an older hookdesk
        account_id = loaded["account_id"]
        with inbox_page(database, workdir, account_id) as page:
            runs = {
                "page": page,
                "data": inbox_data(database, account_id),
                "bare": bare_page(database, account_id),
            }
            samples = in_turns(runs, repeat)
    finally:
        database.dispose()
    found = {"open_tickets": loaded["open_tickets"]}
    for name, taken in samples.items():
        found[name] = {**summary(taken["wall"]), "cpu_ms": statistics.median(taken["cpu"])}
    progress(
        f"  page p50 {found['page']['p50_ms']:.1f} ms p99 {found['page']['p99_ms']:.1f} ms; "
        f"data p50 {found['data']['p50_ms']:.1f} ms; bare p50 {found['bare']['p50_ms']:.2f} ms"
    )
    return found


def run(
    tickets: int,
    repeat: int,
    workdir: Path,
    data_dir: Path = DATA_DIR,
    reload: bool = False,
    kinds: tuple[str, ...] = DATABASES,
) -> dict[str, Any]:
    results = {}
    load_before = os.getloadavg()[0]
    for kind in kinds:
        loaded = search.dataset(kind, tickets, data_dir, reload, name_prefix="hookdesk_inbox")
        progress(f"--- inbox on {kind}: {loaded['tickets']:,} tickets")
        results[kind] = measure(loaded, repeat, workdir)
    return {
        "tickets": tickets,
        "repeat": repeat,
        "per_page": PER_PAGE,
        "goal_ms": GOAL_MS,
        # A request that waits for a core counts in its wall time, not in its CPU time.
        "load_average": [load_before, os.getloadavg()[0]],
        "results": results,
        "errors": 0,
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.inbox", description=__doc__)
    add = parser.add_argument
    add("--tickets", type=positive_int, default=TICKETS, help="tickets in the account")
    add("--repeat", type=positive_int, default=200, help="timed requests per database")
    add("--data-dir", type=Path, default=DATA_DIR, help="the SQLite files and manifests")
    add("--reload", action="store_true", help="load the databases again")
    add("--databases", nargs="+", choices=DATABASES, default=list(DATABASES))
    add("--json", type=Path, help="write the figures to this file")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="hookdesk-inbox-") as workdir:
        found = run(
            args.tickets,
            args.repeat,
            Path(workdir),
            args.data_dir,
            args.reload,
            tuple(args.databases),
        )
    from bench.report import inbox_section

    section = inbox_section(found, {})
    print("\n".join([f"## {section.title}", "", *section.lines]))
    if args.json is not None:
        args.json.write_text(json.dumps(found, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

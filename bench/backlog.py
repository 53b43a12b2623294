"""Backlog: the claim's latency and the dispatcher's memory with a large backlog in PostgreSQL.

A fresh database gets one account with 100 endpoints on one local receiver, then deliveries
bulk-inserted by `generate_series` (no rows cross the wire): half pending and due now, half
retrying (attempted before, due in an hour), spread over the endpoints. The ceiling is the same
claim with a backlog of 1,000. With the large backlog in place this measures:

- the claim (`hookdesk.webhooks.dispatch.claim.claim`, the dispatcher's own function, in a
  transaction that is rolled back) while idle, and EXPLAIN (ANALYZE, BUFFERS) of its two queries;
- the claim again once 10,000 more endpoints with nothing pending exist (those of many accounts
  at rest): it should not notice them;
- then, while one `hookdesk dispatcher` drains part of it, the claim again and the dispatcher's RSS,
  sampled every `interval` seconds: both should stay flat.
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench import dispatch, postgres
from bench.common import HOST, STARTUP_TIMEOUT_S, Server, get_json, progress, spawned

if TYPE_CHECKING:
    from hookdesk.db import Database

ENDPOINTS = 100
SMALL_BACKLOG = 1_000
RETRY_IN_S = 3600.0
CLAIM_LIMIT = 200  # HOOKDESK_DISPATCHER_BATCH's default on SQLite (512 on PostgreSQL)
ENDPOINT_CAP = 16  # HOOKDESK_ENDPOINT_CONCURRENCY's default
IDLE_CLAIMS = 30
IDLE_ENDPOINTS = 10_000

# Copies of one endpoint, with nothing pending: the claim looks at them as it would at other
# accounts' endpoints (it reads no account).
_IDLE_ENDPOINTS = """
INSERT INTO webhook_endpoints (id, account_id, url, events, description, status, api_version,
                               ordered, sealed_headers, secret, created_at, updated_at)
SELECT gen_random_uuid()::text, e.account_id, e.url, e.events, e.description, e.status,
       e.api_version, e.ordered, e.sealed_headers, e.secret, e.created_at, e.updated_at
FROM (SELECT * FROM webhook_endpoints LIMIT 1) AS e, generate_series(1, :count)
"""

_EVENTS = """
INSERT INTO events (id, account_id, event_type, ticket_id, data, created_at)
SELECT g, :account_id, :event_type, :ticket_id, :data, CAST(:at AS bigint)
FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS g
"""
# Even rows are due now (never attempted); odd ones are retrying, due in an hour.
_DELIVERIES = """
INSERT INTO deliveries (id, account_id, event_seq, endpoint_id, event_type, ticket_id, ordered,
                        status, attempt_count, next_attempt_at, lease_token, created_at)
SELECT 'whev_' || substr(md5(g::text), 1, 17), :account_id, g / :endpoints + 1,
       (CAST(:endpoint_ids AS text[]))[1 + g % :endpoints], :event_type, :ticket_id, false,
       'pending',
       CAST(CASE WHEN g % 2 = 0 THEN 0 ELSE 1 + g % 5 END AS integer),
       CASE WHEN g % 2 = 0 THEN CAST(:now AS float8) - 1 + g * 1e-6
            ELSE CAST(:later AS float8) + g * 1e-6 END,
       NULL, CAST(:at AS bigint)
FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS g
"""


@dataclass
class Fill:
    account_id: str
    endpoint_ids: list[str]
    ticket_id: str
    data: str


def create(database: Database, secret_key: str, receiver_port: int) -> Fill:
    from hookdesk.migrations.migrate import prepare
    from hookdesk.shared.secretbox import SecretBox

    prepare(database.engine)
    urls = [f"http://{HOST}:{receiver_port}/hook/{n}" for n in range(ENDPOINTS)]
    with database.transaction() as session:
        account_id, endpoint_ids = dispatch.add_account(session, SecretBox(secret_key), urls)
    event = dispatch.event_row(account_id, 1, int(time.time()))
    return Fill(account_id, endpoint_ids, event["ticket_id"], event["data"])


def bulk_insert(database: Database, fill: Fill, first: int, last: int) -> float:
    """Deliveries `first`..`last` (and their events, one per ENDPOINTS deliveries); seconds."""
    from sqlalchemy import text

    started = time.monotonic()
    now = time.time()
    common = {
        "account_id": fill.account_id,
        "event_type": dispatch.EVENT_TYPE,
        "ticket_id": fill.ticket_id,
        "at": int(now),
    }
    events = {"first": first // ENDPOINTS + 1, "last": last // ENDPOINTS + 1, "data": fill.data}
    deliveries: dict[str, Any] = {"first": first, "last": last, "endpoints": ENDPOINTS}
    deliveries |= {"now": now, "later": now + RETRY_IN_S, "endpoint_ids": fill.endpoint_ids}
    with database.transaction() as session:
        session.execute(text(_EVENTS), {**common, **events})
        session.execute(text(_DELIVERIES), {**common, **deliveries})
    with database.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    return time.monotonic() - started


def add_idle_endpoints(database: Database, count: int) -> None:
    from sqlalchemy import text

    with database.transaction() as session:
        session.execute(text(_IDLE_ENDPOINTS), {"count": count})
    with database.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")


def claim_ms(database: Database) -> float:
    """One claim as the dispatcher makes it, rolled back so nothing is taken from it."""
    from sqlalchemy.orm import Session

    from hookdesk.webhooks.dispatch.claim import claim

    with Session(database.engine) as session:
        started = time.perf_counter()
        claim(
            session,
            now=time.time(),
            lease_seconds=60,
            limit=CLAIM_LIMIT,
            endpoint_room={},
            endpoint_cap=ENDPOINT_CAP,
        )
        elapsed = (time.perf_counter() - started) * 1000
        session.rollback()
    return elapsed


def claim_statements(database: Database) -> int:
    """How many SQL statements one claim sends: through SQLAlchemy's execution, and through
    the driver itself (hookdesk/db/direct.py), which fires none of SQLAlchemy's events."""
    from sqlalchemy import event

    from hookdesk.db import direct

    sent = [0]

    def count(*_args: object) -> None:
        sent[0] += 1

    run = direct._run

    def counted(*args: Any, **kwargs: Any) -> Any:
        count()
        return run(*args, **kwargs)

    event.listen(database.engine, "before_cursor_execute", count)
    direct._run = counted
    try:
        claim_ms(database)
    finally:
        direct._run = run
        event.remove(database.engine, "before_cursor_execute", count)
    return sent[0]


def idle_claims(database: Database) -> dict[str, float]:
    times = [claim_ms(database) for _ in range(IDLE_CLAIMS)]
    return dispatch.spread(times[3:])  # the first ones warm the connection and the cache


def explain(database: Database, endpoint_ids: list[str]) -> dict[str, str]:
    """EXPLAIN (ANALYZE, BUFFERS) of the claim's two statements, rolled back."""
    from hookdesk.webhooks.dispatch import claim as claiming

    shares = endpoint_ids[: CLAIM_LIMIT // ENDPOINT_CAP]
    queries: dict[str, tuple[Any, dict[str, Any]]] = {
        "endpoints with pending deliveries, and how many are due": (
            claiming._ENDPOINTS_WITH_PENDING,
            {"count_cap": ENDPOINT_CAP + 1},
        ),
        f"the shares of {len(shares)} endpoints taken, locked and leased in one statement": (
            claiming._TAKE_AND_LEASE,
            {
                "endpoint_ids": shares,
                "rooms": [ENDPOINT_CAP] * len(shares),
                "lease_end": time.time() + 60,
                "token": "explain",
            },
        ),
    }
    plans = {}
    with database.engine.connect() as connection:
        for name, (statement, params) in queries.items():
            compiled = statement.compile(dialect=connection.dialect)
            rows = connection.exec_driver_sql(
                f"EXPLAIN (ANALYZE, BUFFERS) {compiled}",
                {**compiled.params, "now": time.time(), **params},
            )
            plans[name] = "\n".join(row[0] for row in rows)
            connection.rollback()
    return plans


# The tables that grow with traffic; webhook_endpoints (at most 100 per account) may be scanned.
GROWING = ("deliveries", "events", "attempts")


def uses_indexes(plans: dict[str, str]) -> bool:
    """Every plan reads the growing tables through indexes, never by a sequential scan."""
    return all(
        "Index" in plan and not any(f"Seq Scan on {table}" in plan for table in GROWING)
        for plan in plans.values()
    )


@dataclass
class DrainSample:
    seconds: float
    claim_ms: float
    rss_mib: float | None
    delivered: int


def drain(
    args: argparse.Namespace,
    workdir: Path,
    database: Database,
    url: str,
    receiver: Server,
    env: dict[str, str],
) -> list[DrainSample]:
    """Samples for `backlog_seconds` from the first delivery on (before it the dispatcher is
    still starting)."""
    samples: list[DrainSample] = []
    with spawned("dispatcher", dispatch.dispatcher_command(url), workdir, env) as dispatcher:
        started = time.monotonic()
        deadline = started + STARTUP_TIMEOUT_S + args.backlog_seconds
        while time.monotonic() < deadline:
            if dispatcher.process.poll() is not None:
                raise RuntimeError(f"the dispatcher exited:\n{dispatcher.log_tail()}")
            took = claim_ms(database)
            rss = dispatcher.rss_bytes()
            delivered = get_json(receiver.port, "/stats")["hooks"]
            at = round(time.monotonic() - started, 3)
            if delivered:
                mib = None if rss is None else round(rss / 2**20, 1)
                samples.append(DrainSample(at, round(took, 3), mib, delivered))
                deadline = min(deadline, started + samples[0].seconds + args.backlog_seconds)
            time.sleep(args.backlog_interval)
        if not samples:
            raise RuntimeError(f"the dispatcher delivered nothing:\n{dispatcher.log_tail()}")
    return samples


def quarter_medians(values: list[float]) -> tuple[float, float]:
    """Medians of the first and last quarter of the samples."""
    size = max(1, len(values) // 4)
    return statistics.median(values[:size]), statistics.median(values[-size:])


def summary(samples: list[DrainSample]) -> dict[str, Any]:
    claims = [s.claim_ms for s in samples]
    rss = [s.rss_mib for s in samples if s.rss_mib is not None]
    claim_first, claim_last = quarter_medians(claims)
    rss_first, rss_last = quarter_medians(rss) if rss else (0.0, 0.0)
    seconds = samples[-1].seconds - samples[0].seconds if len(samples) > 1 else 0.0
    delivered = samples[-1].delivered - samples[0].delivered
    return {
        "claim_ms_first_quarter": round(claim_first, 3),
        "claim_ms_last_quarter": round(claim_last, 3),
        "claim_growth": round(claim_last / claim_first, 3) if claim_first else None,
        "rss_mib_first_quarter": rss_first,
        "rss_mib_last_quarter": rss_last,
        "rss_mib_max": max(rss, default=0.0),
        "rss_growth": round(rss_last / rss_first, 3) if rss_first else None,
        "delivered": samples[-1].delivered,
        "delivered_per_s": round(delivered / seconds, 1) if seconds > 0 else 0.0,
    }


def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    from hookdesk.db import Database

    env = dispatch.dispatcher_env(args, workdir, shutdown_timeout=2)
    with postgres.fresh_database() as url, dispatch.receiver(workdir, "receiver") as rx:
        database = Database(url)
        try:
            fill = create(database, env["HOOKDESK_SECRET_KEY"], rx.port)
            bulk_insert(database, fill, 0, SMALL_BACKLOG - 1)
            small = idle_claims(database)
            progress(f"backlog: bulk-inserting {args.backlog} deliveries ...")
            insert_s = bulk_insert(database, fill, SMALL_BACKLOG, args.backlog - 1)
            large = idle_claims(database)
            plans = explain(database, fill.endpoint_ids)
            statements = claim_statements(database)
            add_idle_endpoints(database, IDLE_ENDPOINTS)
            crowded = idle_claims(database)
            progress(f"backlog: draining for {args.backlog_seconds:g} s ...")
            samples = drain(args, workdir, database, url, rx, env)
        finally:
            database.dispose()
    ratio = large["p50"] / small["p50"] if small["p50"] else None
    return {
        "backlog": args.backlog,
        "endpoints": ENDPOINTS,
        "insert_s": round(insert_s, 1),
        "claim_small_ms": small,
        "claim_large_ms": large,
        "claim_ratio": None if ratio is None else round(ratio, 3),
        "idle_endpoints": IDLE_ENDPOINTS,
        "claim_crowded_ms": crowded,
        "claim_crowded_ratio": round(crowded["p50"] / large["p50"], 3) if large["p50"] else None,
        "claim_statements": statements,
        "plans": plans,
        "indexes_only": uses_indexes(plans),
        "samples": [asdict(s) for s in samples],
        "drain": summary(samples),
        "errors": 0,
    }

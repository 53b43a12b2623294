"""A fast bulk loader: one account with years of tickets, replies and clients, for the search bench.

    python -m bench.bulk --database-url sqlite:////tmp/hookdesk-search/1m.db --tickets 1000000
    python -m bench.bulk --database-url postgresql://postgres@127.0.0.1:5432/hookdesk_search_1m

The database gets hookdesk's schema (its migrations), one account with its API key, then the rows
in big batches: `executemany` in one transaction on SQLite (no journal while loading), `COPY` on
PostgreSQL (foreign keys not checked row by row). The secondary indexes and SQLite's search
triggers are dropped first and made again at the end, with the search index built in one pass,
as the schema has them. What was loaded (the account, its API key, the counts, the seconds) is
written to `<database>.json` beside a SQLite file, or to the file `--manifest` names: a bench
reuses a loaded database when that file is there.

The text has the selectivity of a real help desk: a Zipf-like vocabulary (a few words in most
replies, many in a few), people's names and emails (some with `+tags` and dots), order numbers
each in one ticket or two, and a little German and Japanese. Ids are UUIDs in the order of
creation, which only makes the loading faster. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `python bench/bulk.py` too

from bench.common import positive_int, progress

YEARS = 3
BATCH = 50_000
SEED = 18
TEAMMATES = 20
CATEGORIES = 8
TICKETS_PER_CLIENT = 10


def _words(text: str) -> list[str]:
    return text.split()


FIRST_NAMES = _words(
    "Ada Alan Alice Amir Ana Anna Ben Boris Carla Chen Chloe Dan Daniel Elena Emma Eva Felix "
    "Grace Hana Hugo Ida Ivan Jack James Jana Jonas Julia Karl Kenji Laura Lea Leo Lina Luca "
    "Maria Marta Max Mia Mohammed Nina Noah Olga Omar Oscar Paul Petra Priya Rosa Sara Sofia "
    "Tom Uma Victor Wei Yuki Zoë Jürgen Åsa Søren"
)
SURNAMES = _words(
    "Smith Jones Müller Schmidt Garcia Martin Rossi Novak Kowalski Tanaka Suzuki Kim Lee Wang "
    "Li Nguyen Silva Santos Dubois Moreau Bernard Jensen Hansen Nielsen Johansson Andersson "
    "Berg Lovelace Turing Hopper Curie Fischer Weber Wagner Becker Hoffmann Schulz Koch "
    "Richter Klein Wolf Neumann Schwarz Zimmermann Krüger Hartmann Lange Schmitt Werner "
    "Krause Meier Lehmann Huber Mayer Herrmann König Walter Peters Fuchs Kaiser Lang Weiß "
    "Jung Hahn Vogel Friedrich Keller Günther Frank Berger Winkler Roth Beck Lorenz Baumann "
    "Franke Albrecht O'Brien Kelly Walsh Byrne Ryan Murphy Dupont Lefebvre Girard Fontaine "
    "Costa Ferreira Pereira Oliveira Almeida Kumar Singh Patel Sharma Gupta Khan Ali Ahmed "
    "Hassan Cohen Levi"
)
DOMAINS = _words(
    "example.com mail.example analytical.example quarry.example fjord.example shop.example "
    "acme.example globex.example initech.example umbrella.example hooli.example"
)
# The words of a help desk, the most frequent first: word n comes about 1/n as often as the first.
COMMON = _words(
    "the to and a I you is it for of we on my in this that with be have your not can please "
    "are order thanks hello hi would help account but as at from was will me our if so there "
    "an do get just know any when ticket could time again email need issue problem see still "
    "back let new now update more login password error page payment invoice refund shipping "
    "delivery app phone support working fixed checked sent received today yesterday week "
    "price subscription plan upgrade cancel cancelled charged twice card bank transfer "
    "address changed reset link expired browser chrome firefox safari android iphone laptop "
    "printer screen blank slow crash crashes loading upload download file attachment photo "
    "screenshot export import report dashboard settings notification notifications sync "
    "calendar contact warranty return replacement damaged missing package tracking courier "
    "customs invoice discount coupon voucher code trial license activation installer update "
    "version release feature request bug workaround escalate engineering manager urgent asap "
    "deadline meeting call callback voicemail timezone language translation German English "
    "French Spanish"
)
SYLLABLES = _words(
    "ka ri to mo na shi ve lo ra tin dor fel gri bal zen qua mur pex lon sar vik tor"
)
ABROAD = (
    "Die Rechnung ist falsch, bitte korrigieren.",
    "Größe und Farbe stimmen nicht, ÄRGERLICH.",
    "Lieferung kam beschädigt an.",
    "注文した商品がまだ届いていません。",
    "見積もりの依頼をお願いします。",
    "パスワードを忘れました。",
)


@dataclass
class Loaded:
    database_url: str
    account_id: str
    api_key: str
    tickets: int
    replies: int
    clients: int
    open_tickets: int
    seconds: float
    rows_seconds: float
    index_seconds: float


class Text:
    """The words and sentences tickets are written in, from a seeded generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        rare = {
            "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(30_000)
        }
        self.words = COMMON + sorted(rare)
        weights = [1.0 / (rank + 1) ** 1.07 for rank in range(len(self.words))]
        self.cumulative = list(itertools.accumulate(weights))
        # Titles are written in the more common words.
        self.title_words, self.title_cumulative = self.words[:400], self.cumulative[:400]
        self.sentences = [self._sentence() for _ in range(60_000)]

    def _sentence(self) -> str:
        words = self.rng.choices(self.words, cum_weights=self.cumulative, k=self.rng.randint(5, 13))
        return " ".join(words).capitalize() + self.rng.choice(".!?.")

    def title(self) -> str:
        words = self.rng.choices(
            self.title_words, cum_weights=self.title_cumulative, k=self.rng.randint(3, 7)
        )
        return " ".join(words).capitalize()

    def reply(self, order: str, person: str) -> str:
        rng = self.rng
        text = rng.choice(self.sentences)
        if rng.random() < 0.6:
            text += " " + rng.choice(self.sentences)
        roll = rng.random()
        if roll < 0.15:
            text += f" Order {order}."
        elif roll < 0.2:
            text += f" Regards, {person}"
        elif roll < 0.21:
            text += " " + rng.choice(ABROAD)
        return text


@dataclass
class People:
    names: list[str]
    emails: list[str]


def people(rng: random.Random, count: int) -> People:
    names, emails = [], []
    for n in range(count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
        local = f"{first}.{last}".lower().replace("'", "")
        if rng.random() < 0.1:
            local += f"+{rng.choice(('billing', 'support', 'orders', 'work'))}"
        names.append(f"{first} {last}")
        emails.append(f"{local}{n}@{rng.choice(DOMAINS)}")
    return People(names, emails)


def uuid_of(kind: int, n: int) -> str:
    """A UUID (version 4 in form) in creation order: `kind` tells tables apart."""
    return f"{kind:02x}{n:06x}-{n >> 24:04x}-4000-8000-{n:012x}"


def order_number(rng: random.Random) -> str:
    return f"#{rng.choice('ABCDEFGH')}{rng.randrange(10**8):08d}"


# --- the rows ------------------------------------------------------------------------------


@dataclass
class Shape:
    account_id: str
    tickets: int
    now: int
    category_ids: list[str]
    teammate_ids: list[str]


def client_rows(shape: Shape, found: People) -> Iterator[tuple[Any, ...]]:
    start = shape.now - YEARS * 365 * 86400
    for n, (name, email) in enumerate(zip(found.names, found.emails, strict=True)):
        yield (uuid_of(0xC1, n), shape.account_id, name, email, start + n)


def ticket_and_reply_rows(
    shape: Shape, found: People, text: Text, replies: list[int], open_count: list[int]
) -> Iterator[tuple[tuple[Any, ...], list[tuple[Any, ...]]]]:
    """Each ticket's row and its replies' rows; `replies[0]` and `open_count[0]` count them."""
    rng = text.rng
    span = YEARS * 365 * 86400
    clients = len(found.names)
    reply_n = 0
    for n in range(shape.tickets):
        created = shape.now - span + span * n // shape.tickets
        age_days = (shape.now - created) / 86400
        is_open = rng.random() < (0.5 if age_days < 30 else 0.01)
        count = 1 + rng.randrange(9)  # 5 replies a ticket on average
        client = rng.randrange(clients)
        order, person = order_number(rng), found.names[client]
        at = created
        rows = []
        for position in range(count):
            client_reply = position % 2 == 0
            author = None if client_reply else rng.choice(shape.teammate_ids)
            body = text.reply(order, person)
            rows.append(
                (
                    uuid_of(0xE1, reply_n),
                    shape.account_id,
                    uuid_of(0x71, n),
                    position,
                    body,
                    client_reply,
                    author,
                    at,
                )
            )
            reply_n += 1
            at += rng.randrange(60, 2 * 86400)
        updated = min(at, shape.now)
        open_count[0] += is_open
        ticket = (
            uuid_of(0x71, n),
            shape.account_id,
            uuid_of(0xC1, client),
            text.title(),
            is_open,
            rng.choice(shape.category_ids),
            "en",
            rng.choice(shape.teammate_ids),
            created,
            updated,
            created * 1_000_000 + n % 1_000_000,
            "normal",
            count % 2 == 1,
        )
        replies[0] += count
        yield ticket, rows


CLIENT_COLUMNS = ("id", "account_id", "name", "email", "created_at")
TICKET_COLUMNS = (
    "id",
    "account_id",
    "client_id",
    "title",
    "is_open",
    "category_id",
    "language",
    "teammate_id",
    "created_at",
    "updated_at",
    "created_us",
    "priority",
    "awaiting_agent",
)
REPLY_COLUMNS = (
    "id",
    "account_id",
    "ticket_id",
    "position",
    "text",
    "is_client_reply",
    "author_id",
    "created_at",
)


# --- the account and its people --------------------------------------------------------------


def new_account(database_url: str, now: int) -> tuple[str, str, list[str], list[str]]:
    """A migrated database with one account: its id, API key, categories and teammates."""
    from sqlalchemy import insert

    from hookdesk.accounts import service as accounts
    from hookdesk.db import Database
    from hookdesk.migrations.migrate import prepare
    from hookdesk.models.categories import TicketCategory
    from hookdesk.models.teammates import Teammate

    database = Database(database_url)
    try:
        prepare(database.engine)
        with database.transaction() as session:
            created = accounts.create(session, name="Search bench")
            account_id = created.account_id
            teammates = [uuid_of(0xA1, n) for n in range(TEAMMATES)]
            session.execute(
                insert(Teammate),
                [
                    {
                        "id": t,
                        "account_id": account_id,
                        "name": f"Agent {n}",
                        "email": f"agent{n}@agency.example",
                        "created_at": now,
                        "role": "agent",
                    }
                    for n, t in enumerate(teammates)
                ],
            )
            categories = [uuid_of(0xCA, n) for n in range(CATEGORIES)]
            session.execute(
                insert(TicketCategory),
                [
                    {
                        "id": c,
                        "account_id": account_id,
                        "title": f"Category {n}",
                        "language": "en",
                        "subcategories": [],
                        "created_at": now,
                    }
                    for n, c in enumerate(categories)
                ],
            )
    finally:
        database.dispose()
    return account_id, created.api_key, categories, teammates


# --- SQLite --------------------------------------------------------------------------------

SQLITE_TABLES = ("clients", "tickets", "replies")


def load_sqlite(path: str, shape: Shape, found: People, text: Text) -> tuple[int, int, float]:
    """Rows, then indexes and the search index; (replies, open tickets, seconds of the rows)."""
    import sqlite3

    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=OFF")
    connection.execute("PRAGMA synchronous=OFF")
    connection.execute("PRAGMA cache_size=-1000000")  # 1 GB
    kept = _sqlite_set_aside(connection)
    started = time.monotonic()
    connection.execute("BEGIN")
    _sqlite_insert(connection, "clients", CLIENT_COLUMNS, client_rows(shape, found))
    replies, open_count = [0], [0]
    tickets, reply_rows = [], []
    for n, (ticket, rows) in enumerate(
        ticket_and_reply_rows(shape, found, text, replies, open_count)
    ):
        tickets.append(ticket)
        reply_rows += rows
        if len(tickets) == BATCH or n == shape.tickets - 1:
            _sqlite_insert(connection, "tickets", TICKET_COLUMNS, tickets)
            _sqlite_insert(connection, "replies", REPLY_COLUMNS, reply_rows)
            tickets, reply_rows = [], []
            progress(f"sqlite: {n + 1:,} tickets, {replies[0]:,} replies")
    connection.execute("COMMIT")
    rows_seconds = time.monotonic() - started
    _sqlite_restore(connection, kept)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.close()
    return replies[0], open_count[0], rows_seconds


def _sqlite_insert(connection: Any, table: str, columns: tuple[str, ...], rows: Any) -> None:
    marks = ", ".join("?" for _ in columns)
    connection.executemany(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
        rows,
    )


def _sqlite_set_aside(connection: Any) -> list[str]:
    """Drops the searched tables' triggers and non-unique indexes; the SQL that makes them."""
    marks = ", ".join("?" for _ in SQLITE_TABLES)
    found = connection.execute(
        f"SELECT type, name, sql FROM sqlite_master WHERE tbl_name IN ({marks}) "
        "AND type IN ('index', 'trigger') AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'",
        SQLITE_TABLES,
    ).fetchall()
    for kind, name, _sql in found:
        connection.execute(f'DROP {kind.upper()} "{name}"')
    return [sql for _kind, _name, sql in found]


def _sqlite_restore(connection: Any, kept: list[str]) -> None:
    from hookdesk.models.search import DEFERRED, INDEXED_TO_THE_END, fts_table

    for table in SQLITE_TABLES:
        started = time.monotonic()
        name = fts_table(table)
        connection.execute(f"INSERT INTO {name}({name}) VALUES ('rebuild')")
        if table in DEFERRED:  # the rebuild took every row
            connection.execute(INDEXED_TO_THE_END.format(name=table))
        progress(f"sqlite: {name} built in {time.monotonic() - started:.0f} s")
    for sql in kept:
        started = time.monotonic()
        connection.execute(sql)
        progress(f"sqlite: {sql.split(' ON ')[0]} in {time.monotonic() - started:.0f} s")
    connection.execute("ANALYZE")


# --- PostgreSQL ----------------------------------------------------------------------------


def load_postgresql(url: str, shape: Shape, found: People, text: Text) -> tuple[int, int, float]:
    """COPY, then the indexes again; (replies, open tickets, seconds of the rows)."""
    import psycopg

    plain = url.replace("postgresql+psycopg://", "postgresql://")
    # Tickets and replies stream side by side, one COPY each: a connection runs one at a time.
    with (
        psycopg.connect(plain, autocommit=True) as connection,
        psycopg.connect(plain, autocommit=True) as second,
    ):
        for each in (connection, second):
            each.execute("SET session_replication_role = replica")  # no FK trigger per row
        connection.execute("SET maintenance_work_mem = '1GB'")
        kept = _postgresql_set_aside(connection)
        started = time.monotonic()
        _copy(connection, "clients", CLIENT_COLUMNS, client_rows(shape, found))
        replies, open_count = [0], [0]
        rows = ticket_and_reply_rows(shape, found, text, replies, open_count)
        with (
            connection.cursor() as tickets_cursor,
            second.cursor() as replies_cursor,
            tickets_cursor.copy(_copy_sql("tickets", TICKET_COLUMNS)) as tickets,
            replies_cursor.copy(_copy_sql("replies", REPLY_COLUMNS)) as replies_copy,
        ):
            for n, (ticket, reply_rows) in enumerate(rows):
                tickets.write_row(ticket)
                for reply in reply_rows:
                    replies_copy.write_row(reply)
                if (n + 1) % BATCH == 0:
                    progress(f"postgresql: {n + 1:,} tickets, {replies[0]:,} replies")
        rows_seconds = time.monotonic() - started
        for sql in kept:
            started = time.monotonic()
            connection.execute(sql)
            progress(f"postgresql: {sql.split(' ON ')[0]} in {time.monotonic() - started:.0f} s")
        connection.execute("VACUUM ANALYZE")
    return replies[0], open_count[0], rows_seconds


def _copy_sql(table: str, columns: tuple[str, ...]) -> str:
    return f"COPY {table} ({', '.join(columns)}) FROM STDIN"


def _copy(connection: Any, table: str, columns: tuple[str, ...], rows: Any) -> None:
    with connection.cursor() as cursor, cursor.copy(_copy_sql(table, columns)) as copy:
        for row in rows:
            copy.write_row(row)


def _postgresql_set_aside(connection: Any) -> list[str]:
    found = connection.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
        "AND indexdef NOT LIKE 'CREATE UNIQUE%%'",
        (list(SQLITE_TABLES),),
    ).fetchall()
    for name, _sql in found:
        connection.execute(f'DROP INDEX "{name}"')
    return [sql for _name, sql in found]


def count_views(database_url: str) -> None:
    """The inbox's counts (`ticket_counts`) of the tickets loaded: the loaders write without the
    triggers that keep them, SQLite's set aside, PostgreSQL's not fired in replica mode."""
    from sqlalchemy import text as sql

    from hookdesk.db import Database

    database = Database(database_url)
    try:
        with database.transaction() as session:
            session.execute(sql("DELETE FROM ticket_counts"))
            session.execute(
                sql(
                    "INSERT INTO ticket_counts "
                    "(account_id, is_open, teammate_id, awaiting_agent, tickets) "
                    "SELECT account_id, is_open, COALESCE(teammate_id, ''), awaiting_agent, "
                    "COUNT(*) FROM tickets "
                    "GROUP BY account_id, is_open, COALESCE(teammate_id, ''), awaiting_agent"
                )
            )
    finally:
        database.dispose()


# --- the command -----------------------------------------------------------------------------


def load(database_url: str, tickets: int, manifest: Path) -> Loaded:
    """Fills an empty database (see the module's docstring) and writes `manifest`."""
    started = time.monotonic()
    rng = random.Random(SEED)
    now = int(time.time())
    account_id, api_key, categories, teammates = new_account(database_url, now)
    shape = Shape(account_id, tickets, now, categories, teammates)
    found = people(rng, max(1, tickets // TICKETS_PER_CLIENT))
    text = Text(rng)
    progress(f"loading {tickets:,} tickets into {database_url}")
    loader = load_sqlite if database_url.startswith("sqlite") else load_postgresql
    target = database_url.split("///", 1)[1] if database_url.startswith("sqlite") else database_url
    replies, open_count, rows_seconds = loader(target, shape, found, text)
    count_views(database_url)
    seconds = time.monotonic() - started
    loaded = Loaded(
        database_url,
        account_id,
        api_key,
        tickets,
        replies,
        len(found.names),
        open_count,
        seconds,
        rows_seconds,
        seconds - rows_seconds,
    )
    manifest.write_text(json.dumps(asdict(loaded), indent=2))
    progress(f"loaded in {seconds:.0f} s ({rows_seconds:.0f} s of rows): {manifest}")
    return loaded


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.bulk", description=__doc__)
    parser.add_argument("--database-url", required=True, help="an empty database (or none yet)")
    parser.add_argument("--tickets", type=positive_int, default=1_000_000)
    parser.add_argument("--manifest", type=Path, help="default: <SQLite file>.json")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    manifest = args.manifest
    if manifest is None:
        if not args.database_url.startswith("sqlite"):
            progress("--manifest is needed for PostgreSQL")
            return 2
        manifest = Path(args.database_url.split("///", 1)[1] + ".json")
    load(args.database_url, args.tickets, manifest)
    return 0


if __name__ == "__main__":
    sys.exit(main())

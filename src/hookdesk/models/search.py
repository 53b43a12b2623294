"""The text search's indexes, which are not tables SQLAlchemy declares (migration 0021 makes them).

SQLite: one FTS5 table per searched table, with the trigram tokenizer (a match is a substring,
in any case) and that table as its external content: the index refers to a row by its rowid and
keeps no copy of the text. Triggers keep it in step with every insert, delete and change of the
searched columns, whoever writes (the services, an erasure, a cascade).

PostgreSQL: pg_trgm GIN indexes on the same columns, which `ILIKE '%text%'` uses.

A SQLite migration that copies one of these tables (a batch `ALTER`) drops its triggers and
renumbers its rowids: it must create the triggers again and rebuild the index
(`tests/test_migrations.py` checks that the triggers are there at the head).
"""

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, Table, bindparam, column, literal_column, select, table
from sqlalchemy.sql import Select

# The searched columns of each table; the FTS5 table of `tickets` is `tickets_search`.
SEARCHED = {"tickets": ("title",), "replies": ("text",), "clients": ("name", "email")}
POSTGRESQL_INDEXES = frozenset(
    f"ix_{name}_{searched}_trgm" for name, columns in SEARCHED.items() for searched in columns
)
# Queries shorter than a trigram match nothing in a trigram index.
SHORTEST_INDEXED = 3


def fts_table(name: str) -> str:
    return f"{name}_search"


def declared(name: str | None, _type: str, _parents: Mapping[Any, str | None]) -> bool:
    """Whether Alembic's autogenerate compares this object with the models (its `include_name`):
    not these indexes, nor the tables FTS5 keeps beside its own."""
    if name is None:
        return True
    searched = name in POSTGRESQL_INDEXES or any(name.startswith(fts_table(t)) for t in SEARCHED)
    return not searched


def matching_rowids(name: str, phrase: str) -> Select[tuple[int]]:
    """The rowids of `name`'s rows whose searched columns hold `phrase` (SQLite, FTS5)."""
    fts, match = fts_match(name, phrase)
    return select(fts.c.rowid).where(match)


def fts_match(name: str, phrase: str) -> tuple[Table, ColumnElement[bool]]:
    """`name`'s FTS5 table and its condition that a row holds `phrase` (SQLite), to join on
    rowid: a join reads the matches as FTS5 finds them, and a LIMIT stops it early, where an
    `IN (matching_rowids)` reads every match first."""
    fts: Table = table(fts_table(name), column("rowid"))  # type: ignore[assignment]
    match: ColumnElement[bool] = literal_column(fts_table(name)).op("MATCH")(
        bindparam(None, _quoted(phrase))
    )
    return fts, match


def _quoted(phrase: str) -> str:
    """An FTS5 string: one phrase, its characters taken literally (no operators, no columns)."""
    return '"' + phrase.replace('"', '""') + '"'

"""The text search's indexes, which are not tables SQLAlchemy declares (migration 0021 makes them).

SQLite: one FTS5 table per searched table, with the trigram tokenizer (a match is a substring,
in any case) and that table as its external content: the index refers to a row by its rowid and
keeps no copy of the text. Triggers keep it in step with every insert, delete and change of the
searched columns, whoever writes (the services, an erasure, a cascade).

PostgreSQL: pg_trgm GIN indexes on the same columns, which `ILIKE '%text%'` uses.

On SQLite the new rows of `tickets` and `replies` (DEFERRED) enter the index in batches
(tickets/search_index.py): FTS5 writes a segment per transaction that adds to it, a fifth of a
ticket create's CPU when each create indexed its own rows. `search_marks` holds, per table, the
rowid up to which the index holds its rows; their triggers act only on rows at or under it
(migration 0034). The rows past it are compared one by one as the index would
(`unindexed_rowids`), so a search finds a ticket as soon as it is written.

A SQLite migration that copies one of these tables (a batch `ALTER`) drops its triggers and
renumbers its rowids: it must create the triggers again, rebuild the index and set the table's
mark to its last rowid (`INDEXED_TO_THE_END`) (`tests/test_migrations.py` checks that the
triggers are there at the head).
"""

from collections.abc import Mapping
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Table,
    bindparam,
    column,
    func,
    literal_column,
    or_,
    select,
    table,
    union_all,
)
from sqlalchemy.sql import Select
from sqlalchemy.sql.expression import ScalarSelect, TableClause

# The searched columns of each table; the FTS5 table of `tickets` is `tickets_search`.
SEARCHED = {"tickets": ("title",), "replies": ("text",), "clients": ("name", "email")}
POSTGRESQL_INDEXES = frozenset(
    f"ix_{name}_{searched}_trgm" for name, columns in SEARCHED.items() for searched in columns
)
# Queries shorter than a trigram match nothing in a trigram index.
SHORTEST_INDEXED = 3
# SQLite: the tables whose new rows are indexed in batches, past their mark; a client is indexed
# by its triggers as it is written (clients are few).
DEFERRED = ("tickets", "replies")
MARKS = "search_marks"
search_marks = table(MARKS, column("name"), column("indexed_to"))
# The statement (`.format(name=...)`) that marks every row of a DEFERRED table as indexed, once a
# rebuild of its index has taken them all.
INDEXED_TO_THE_END = (
    "UPDATE search_marks SET indexed_to = (SELECT coalesce(max(rowid), 0) FROM {name}) "
    "WHERE name = '{name}'"
)


def fts_table(name: str) -> str:
    return f"{name}_search"


def declared(name: str | None, _type: str, _parents: Mapping[Any, str | None]) -> bool:
    """Whether Alembic's autogenerate compares this object with the models (its `include_name`):
    not these indexes, nor the tables FTS5 keeps beside its own."""
    if name is None:
        return True
    searched = name in POSTGRESQL_INDEXES or any(name.startswith(fts_table(t)) for t in SEARCHED)
    return not searched and name != MARKS


def matching_rowids(name: str, phrase: str) -> Select[tuple[int]]:
    """The rowids of `name`'s rows whose searched columns hold `phrase` (SQLite): through FTS5,
    and past the index's mark one by one."""
    fts, match = fts_match(name, phrase)
    indexed = select(fts.c.rowid).where(match)
    if name not in DEFERRED:
        return indexed
    return select(union_all(indexed, unindexed_rowids(name, phrase)).subquery().c.rowid)


def unindexed_rowids(name: str, phrase: str) -> Select[tuple[int]]:
    """The rowids of `name`'s rows past its mark, which the index does not hold yet, whose
    searched columns hold `phrase` (SQLite): read in rowid order from the mark, a second's
    writes at most while the dispatcher runs."""
    searched = searched_table(name)
    held = [holds(searched.c[c], phrase) for c in SEARCHED[name]]
    rowid = searched.c.rowid
    return select(rowid).where(rowid > mark_of(name), or_(*held)).correlate(None)


def searched_table(name: str, *, in_fts: bool = False) -> TableClause:
    """The table `name`, or its FTS5 table (`in_fts`), with the rowid and the searched columns."""
    return table(fts_table(name) if in_fts else name, *map(column, ("rowid", *SEARCHED[name])))


def mark_of(name: str) -> ScalarSelect[Any]:
    """The rowid up to which the index holds `name`'s rows (a DEFERRED table)."""
    return select(search_marks.c.indexed_to).where(search_marks.c.name == name).scalar_subquery()


def holds(text: ColumnElement[Any], phrase: str) -> ColumnElement[bool]:
    """Whether `text` holds `phrase` in any case as FTS5's trigram tokenizer folds, compared row
    by row (SQLite): LIKE, which ignores the case of ASCII letters only, for ASCII text, and
    `text_holds` (db/database.py) for any other."""
    if phrase.isascii():
        return text.like(contains(phrase), escape="\\")
    return func.text_holds(text, phrase.lower())


def contains(phrase: str) -> str:
    """A LIKE pattern for `phrase` anywhere, its characters taken literally."""
    escaped = phrase.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


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

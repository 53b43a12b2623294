"""on SQLite, new tickets and replies enter the search index in batches

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-07 04:30:00.000000

FTS5 writes a segment of its index for every transaction that adds to it: indexed by their
triggers as they were written, a ticket and its two replies cost a fifth of a create's server CPU.
Rows of `tickets` and `replies` past a mark (`search_marks`, one row per table) are now indexed in
batches by the dispatcher's background task (tickets/search_index.py), and a search compares them
row by row until then. The triggers act only on rows at or under the mark: a row indexed already
is forgotten when deleted and learnt again when its text changes, and a new row under the mark (a
rowid used again after the last row was deleted) is indexed at once. Clients keep their triggers.
PostgreSQL's pg_trgm indexes are untouched.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEFERRED = {"tickets": ("title",), "replies": ("text",)}


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "CREATE TABLE search_marks (name VARCHAR(32) NOT NULL PRIMARY KEY, "
        "indexed_to INTEGER NOT NULL)"
    )
    for name, columns in DEFERRED.items():
        # Every row there now is indexed (migration 0021 and the triggers).
        op.execute(
            f"INSERT INTO search_marks (name, indexed_to) "  # noqa: S608 (this module's names)
            f"SELECT '{name}', coalesce(max(rowid), 0) FROM {name}"
        )
        mark = f"(SELECT indexed_to FROM search_marks WHERE name = '{name}')"  # noqa: S608
        _triggers(name, columns, when=f"<= {mark}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name, columns in DEFERRED.items():
        fts, listed = f"{name}_search", ", ".join(columns)
        op.execute(
            f"INSERT INTO {fts}(rowid, {listed}) SELECT rowid, {listed} FROM {name} "  # noqa: S608
            f"WHERE rowid > (SELECT indexed_to FROM search_marks WHERE name = '{name}')"
        )
        _triggers(name, columns, when=None)
    op.execute("DROP TABLE search_marks")


def _triggers(name: str, columns: tuple[str, ...], *, when: str | None) -> None:
    """`name`'s three triggers made again (0021's), acting only on rows whose rowid is `when`."""
    fts, listed = f"{name}_search", ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    forget = f"INSERT INTO {fts}({fts}, rowid, {listed}) VALUES ('delete', old.rowid, {old});"  # noqa: S608
    learn = f"INSERT INTO {fts}(rowid, {listed}) VALUES (new.rowid, {new});"  # noqa: S608
    if_new = f"WHEN new.rowid {when} " if when else ""
    if_old = f"WHEN old.rowid {when} " if when else ""
    for trigger in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER {fts}_{trigger}")
    op.execute(f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {name} {if_new}BEGIN {learn} END")
    op.execute(f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {name} {if_old}BEGIN {forget} END")
    op.execute(
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {listed} ON {name} "
        f"{if_old}BEGIN {forget} {learn} END"
    )

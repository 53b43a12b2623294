"""text search: trigram indexes of titles, replies and clients' names and emails; the inbox's index

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 14:00:00.000000

The ticket list's `filter` (and the console's search) matches a substring in any case. On SQLite
each searched table gets an FTS5 table with the trigram tokenizer over it (external content: no
copy of the text) and triggers that keep it in step; on PostgreSQL, pg_trgm GIN indexes. Both are
built here for the rows already there. The inbox (open tickets by last activity) gets an index in
its order.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEARCHED = {"tickets": ("title",), "replies": ("text",), "clients": ("name", "email")}


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name, columns in SEARCHED.items():
            _create_fts(name, columns)
    else:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, columns in SEARCHED.items():
            for searched in columns:
                op.execute(
                    f"CREATE INDEX ix_{name}_{searched}_trgm ON {name} "
                    f"USING gin ({searched} gin_trgm_ops)"
                )
    op.create_index(
        "ix_tickets_account_open_updated",
        "tickets",
        ["account_id", "is_open", "updated_at", "created_us"],
    )


def downgrade() -> None:
    op.drop_index("ix_tickets_account_open_updated", table_name="tickets")
    if op.get_bind().dialect.name == "sqlite":
        for name in SEARCHED:
            for trigger in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER {name}_search_{trigger}")
            op.execute(f"DROP TABLE {name}_search")
    else:
        for name, columns in SEARCHED.items():
            for searched in columns:
                op.drop_index(f"ix_{name}_{searched}_trgm", table_name=name)


def _create_fts(name: str, columns: tuple[str, ...]) -> None:
    fts = f"{name}_search"
    listed = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    # The names are this module's constants.
    forget = f"INSERT INTO {fts}({fts}, rowid, {listed}) VALUES ('delete', old.rowid, {old});"  # noqa: S608
    learn = f"INSERT INTO {fts}(rowid, {listed}) VALUES (new.rowid, {new});"  # noqa: S608
    op.execute(
        f"CREATE VIRTUAL TABLE {fts} USING fts5({listed}, content='{name}', tokenize='trigram')"
    )
    op.execute(f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {name} BEGIN {learn} END")
    op.execute(f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {name} BEGIN {forget} END")
    op.execute(
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {listed} ON {name} BEGIN {forget} {learn} END"
    )
    op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")  # noqa: S608

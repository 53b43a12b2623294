"""on PostgreSQL, the ticket counts are kept at commit

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-03 18:05:00.000000

The triggers of 0029 changed an account's `ticket_counts` row as each ticket was written, so the
row stayed locked for the rest of the transaction: two tickets created at once in one account
(most of an account's tickets share a count: open, same teammate, waiting on us) took turns for
the whole of each other's transaction, and `serve --workers 2` made about half the tickets a
second it made without the counts. The same function now runs from constraint triggers deferred
to the commit, which hold the row only while the transaction commits. SQLite, one writer at a
time, keeps its triggers.

Nothing reads `ticket_counts` in the transaction that changes tickets: the inbox reads it in a
transaction of its own, which sees the counts and the tickets of the same commits.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("account_id", "is_open", "teammate_id", "awaiting_agent")
_CHANGED = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in COLUMNS)


def _triggers(kind: str, timing: str) -> None:
    op.execute("DROP TRIGGER ticket_counts_change ON tickets")
    op.execute("DROP TRIGGER ticket_counts_update ON tickets")
    op.execute(
        f"CREATE {kind} ticket_counts_change AFTER INSERT OR DELETE ON tickets {timing} "
        "FOR EACH ROW EXECUTE FUNCTION ticket_counts_keep()"
    )
    op.execute(
        f"CREATE {kind} ticket_counts_update AFTER UPDATE OF {', '.join(COLUMNS)} ON tickets "
        f"{timing} FOR EACH ROW WHEN ({_CHANGED}) EXECUTE FUNCTION ticket_counts_keep()"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _triggers("CONSTRAINT TRIGGER", "DEFERRABLE INITIALLY DEFERRED")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _triggers("TRIGGER", "")

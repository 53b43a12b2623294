"""tickets indexed for the inbox's views by last activity: mine, unassigned, waiting on us

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-03 17:30:00.000000

Open and resolved tickets by last activity have their index (0021); mine and unassigned (by
teammate) and waiting on us get theirs, so that a view's first page reads 20 entries of an index
rather than every open ticket. The view's column comes before is_open: with two indexes starting
(account_id, is_open), SQLite took either for the open and resolved views and sorted all their
tickets (a second at 200,000 tickets). The index of (account_id, teammate_id) goes: the new one
starts with both.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VIEW_INDEXES = {
    "ix_tickets_account_teammate_open_updated": "teammate_id",
    "ix_tickets_account_awaiting_open_updated": "awaiting_agent",
}


def upgrade() -> None:
    for name, column in VIEW_INDEXES.items():
        op.create_index(
            name, "tickets", ["account_id", column, "is_open", "updated_at", "created_us"]
        )
    op.drop_index("ix_tickets_account_teammate", table_name="tickets")


def downgrade() -> None:
    op.create_index("ix_tickets_account_teammate", "tickets", ["account_id", "teammate_id"])
    for name in VIEW_INDEXES:
        op.drop_index(name, table_name="tickets")

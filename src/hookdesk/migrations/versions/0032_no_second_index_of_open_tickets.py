"""the indexes of open and resolved tickets by creation and by title go again

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-03 17:50:00.000000

With three indexes starting (account_id, is_open), SQLite took any of them for the inbox's
default order (open tickets by last activity) and sorted every open ticket: at 1,000,000 tickets
the first page took 200 ms instead of 1 ms. Open and resolved keep one index, in that order
(0021); their other orders sort the view's tickets again.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ORDER_INDEXES = {
    "ix_tickets_account_open_created_us": "created_us",
    "ix_tickets_account_open_title": "title",
}


def upgrade() -> None:
    for name in ORDER_INDEXES:
        op.drop_index(name, table_name="tickets")


def downgrade() -> None:
    for name, column in ORDER_INDEXES.items():
        op.create_index(name, "tickets", ["account_id", "is_open", column])

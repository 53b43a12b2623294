"""emails of clients and teammates are unique in an account whatever their case

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 07:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE_TEAMMATES = sa.text("deleted_at IS NULL")


class CaseDuplicates(Exception):
    pass


def upgrade() -> None:
    _refuse_case_duplicates("clients", "")
    _refuse_case_duplicates("teammates", "WHERE deleted_at IS NULL")
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.drop_constraint("uq_clients_account_id", type_="unique")
    with op.batch_alter_table("teammates", schema=None) as batch_op:
        batch_op.drop_constraint("uq_teammates_account_id", type_="unique")
    # Made outside a batch: SQLite creates an index without copying the table, and a batch copy
    # cannot carry an index on an expression.
    op.create_index(
        "uq_clients_account_email", "clients", ["account_id", sa.text("lower(email)")], unique=True
    )
    op.create_index(
        "uq_teammates_account_email",
        "teammates",
        ["account_id", sa.text("lower(email)")],
        unique=True,
        sqlite_where=LIVE_TEAMMATES,
        postgresql_where=LIVE_TEAMMATES,
    )


def _refuse_case_duplicates(table: str, where: str) -> None:
    """Stop, changing nothing, naming the emails to fix by hand: which row to keep is a person's
    choice (tickets, replies and sign-ins hang on each)."""
    duplicates = (
        op.get_bind()
        .execute(
            sa.text(
                f"SELECT account_id, lower(email) FROM {table} {where} "  # noqa: S608 (constants)
                "GROUP BY account_id, lower(email) HAVING count(*) > 1 ORDER BY 1, 2"
            )
        )
        .all()
    )
    if duplicates:
        listed = "; ".join(f"{email} in account {account}" for account, email in duplicates[:20])
        raise CaseDuplicates(
            f"{len(duplicates)} emails belong to more than one row of {table} when their case is "
            f"ignored ({listed}). Emails are now unique whatever their case: change or remove "
            "all but one row of each, then run `hookdesk migrate` again. Nothing was changed."
        )


def downgrade() -> None:
    op.drop_index("uq_teammates_account_email", table_name="teammates")
    op.drop_index("uq_clients_account_email", table_name="clients")
    with op.batch_alter_table("teammates", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_teammates_account_id", ["account_id", "email"])
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_clients_account_id", ["account_id", "email"])

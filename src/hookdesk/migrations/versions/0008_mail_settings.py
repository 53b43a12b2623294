"""mail settings: each account's own SMTP and IMAP servers, senders and notification choices

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 06:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mail_settings",
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("smtp_url", sa.String(length=2000), nullable=True),
        sa.Column("smtp_password", sa.String(length=2000), nullable=True),
        sa.Column("from_name", sa.String(length=200), nullable=True),
        sa.Column("from_address", sa.String(length=320), nullable=True),
        sa.Column("reply_to_address", sa.String(length=320), nullable=True),
        sa.Column("imap_url", sa.String(length=2000), nullable=True),
        sa.Column("imap_password", sa.String(length=2000), nullable=True),
        sa.Column("notify_clients", sa.Boolean(), nullable=False),
        sa.Column("notify_teammates", sa.Boolean(), nullable=False),
        sa.Column("unknown_senders", sa.String(length=10), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_mail_settings_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_mail_settings")),
    )


def downgrade() -> None:
    op.drop_table("mail_settings")

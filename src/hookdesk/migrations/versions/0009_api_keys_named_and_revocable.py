"""API keys named and revocable: a public id, a name, when last used, when revoked

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 06:30:00.000000
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("public_id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("last_used_at", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("revoked_at", sa.BigInteger(), nullable=True))
    connection = op.get_bind()
    name_key = sa.text(
        "UPDATE api_keys SET public_id = :public_id, name = 'Default' WHERE id = :id"
    )
    for (key_id,) in connection.execute(sa.text("SELECT id FROM api_keys")).all():
        connection.execute(name_key, {"public_id": str(uuid.uuid4()), "id": key_id})
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.alter_column("public_id", existing_type=sa.String(length=36), nullable=False)
        batch_op.alter_column("name", existing_type=sa.String(length=200), nullable=False)
        batch_op.create_index(batch_op.f("ix_api_keys_public_id"), ["public_id"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_keys_public_id"))
        batch_op.drop_column("revoked_at")
        batch_op.drop_column("last_used_at")
        batch_op.drop_column("name")
        batch_op.drop_column("public_id")

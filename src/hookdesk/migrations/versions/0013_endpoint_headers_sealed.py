"""endpoint headers sealed: custom headers are kept encrypted with the server key, like secrets

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 07:00:00.000000

Each endpoint's headers become one JSON object sealed with the first key of HOOKDESK_SECRET_KEY
(`sealed_headers`, null when there are none); the clear `headers` column goes. Endpoints with
headers need the key: without it nothing is changed and the migration says so.
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

from hookdesk.migrations.migrate import Sealer, SecretKeyNeeded

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

endpoints = sa.table(
    "webhook_endpoints",
    sa.column("id", sa.String),
    sa.column("headers", sa.JSON),
    sa.column("sealed_headers", sa.Text),
)


def upgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.select(endpoints.c.id, endpoints.c.headers)).all()
    # Sealed before any change, so that without the key nothing changes.
    sealed = _seal_all({endpoint_id: headers for endpoint_id, headers in rows if headers})
    with op.batch_alter_table("webhook_endpoints") as batch_op:
        batch_op.add_column(sa.Column("sealed_headers", sa.Text(), nullable=True))
    for endpoint_id, value in sealed.items():
        connection.execute(
            endpoints.update().where(endpoints.c.id == endpoint_id).values(sealed_headers=value)
        )
    with op.batch_alter_table("webhook_endpoints") as batch_op:
        batch_op.drop_column("headers")


def downgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.select(endpoints.c.id, endpoints.c.sealed_headers)).all()
    opened = _open_all({endpoint_id: value for endpoint_id, value in rows if value})
    with op.batch_alter_table("webhook_endpoints") as batch_op:
        batch_op.add_column(sa.Column("headers", sa.JSON(), nullable=True))
    connection.execute(endpoints.update().values(headers={}))
    for endpoint_id, headers in opened.items():
        connection.execute(
            endpoints.update().where(endpoints.c.id == endpoint_id).values(headers=headers)
        )
    with op.batch_alter_table("webhook_endpoints") as batch_op:
        batch_op.alter_column("headers", existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column("sealed_headers")


def _seal_all(custom: dict[str, dict[str, str]]) -> dict[str, str]:
    if not custom:
        return {}
    box = _box(len(custom))
    return {i: box.seal(json.dumps(headers, ensure_ascii=False)) for i, headers in custom.items()}


def _open_all(sealed: dict[str, str]) -> dict[str, dict[str, str]]:
    if not sealed:
        return {}
    box = _box(len(sealed))
    return {i: json.loads(box.open(value)) for i, value in sealed.items()}


def _box(endpoint_count: int) -> Sealer:
    box: Sealer | None = context.config.attributes.get("secret_box")
    if box is None:
        raise SecretKeyNeeded(
            f"{endpoint_count} webhook endpoint(s) have custom headers, which are now kept "
            "encrypted with the server key: set HOOKDESK_SECRET_KEY (the key that encrypts "
            "their secrets) and run the migration again. Nothing was changed."
        )
    return box

from alembic import context

import hookdesk.db.models  # noqa: F401  (registers every table on Base.metadata)
from hookdesk.db.base import Base

engine = context.config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite can only change a table by copying it
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()

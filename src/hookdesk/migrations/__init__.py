"""The schema's history (Alembic: env.py, versions/), applied by migrate.py; models.py imports
every table so that `Base.metadata` is whole."""

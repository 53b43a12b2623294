"""The database, as a FastAPI dependency.

Handlers open their unit of work themselves (`with db.write() as session:`), inside the one
worker thread that runs them: a SQLite write lock is then never held while the request waits for
another thread, and a 200 is only sent once the transaction has committed.
"""

from typing import Annotated

from fastapi import Depends, Request

from hookdesk.db.database import Database


async def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


Db = Annotated[Database, Depends(get_database)]

"""The request's unit of work, as a FastAPI dependency."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from hookdesk.db.database import Database


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def _request_session(request: Request) -> Iterator[Session]:
    # scope="function" below: the commit happens before the answer is sent, so a 200 means stored.
    with get_database(request).transaction(write=request.method != "GET") as session:
        yield session


DbSession = Annotated[Session, Depends(_request_session, scope="function")]

"""Which database a session talks to, for the statements that have a faster form on one."""

from sqlalchemy.orm import Session


def on_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"

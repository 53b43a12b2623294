"""Is this process ready for traffic? Three checks, each "ok" or a sentence saying what is wrong:

- database: it answers within the probe's timeouts;
- schema: it is at the migration this hookdesk was built for;
- dispatcher: this process's own dispatcher runs, or (a process without one) some dispatcher's
  heartbeat was seen within `heartbeat.DEAD_AFTER` seconds.
"""

import logging
import time
from dataclasses import dataclass

from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from hookdesk.webhooks.dispatch import heartbeat
from hookdesk.webhooks.dispatch.dispatcher import Dispatcher

log = logging.getLogger("hookdesk.readiness")

OK = "ok"
UNKNOWN = "unknown while the database does not answer"


@dataclass(frozen=True)
class Readiness:
    checks: dict[str, str]

    @property
    def ready(self) -> bool:
        return all(result == OK for result in self.checks.values())

    @classmethod
    def database_failed(cls, reason: str, dispatcher: Dispatcher | None) -> "Readiness":
        own = _own_dispatcher(dispatcher) if dispatcher else UNKNOWN
        return cls({"database": reason, "schema": UNKNOWN, "dispatcher": own})


def check(engine: Engine, *, head: str | None, dispatcher: Dispatcher | None) -> Readiness:
    """Blocking, bounded by the probe engine's timeouts; `head` is the revision this code needs."""
    try:
        with Session(engine) as session:
            revision = MigrationContext.configure(session.connection()).get_current_revision()
            seen = None if dispatcher else heartbeat.alive(session, now=time.time())
    except SQLAlchemyError as error:
        log.warning("not ready: the database does not answer: %s", error)
        return Readiness.database_failed("the database does not answer", dispatcher)
    schema = OK if revision == head else f"at revision {revision}; this hookdesk needs {head}"
    if dispatcher:
        running = _own_dispatcher(dispatcher)
    elif seen:
        running = OK
    else:
        running = f"no dispatcher seen in the last {heartbeat.DEAD_AFTER:g} seconds"
    return Readiness({"database": OK, "schema": schema, "dispatcher": running})


def _own_dispatcher(dispatcher: Dispatcher) -> str:
    return OK if dispatcher.running else "this process's dispatcher has stopped"

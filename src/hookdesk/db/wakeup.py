"""Waking the dispatcher when deliveries are queued: only after the transaction commits.

In one process, `Database` calls its wake-up listeners after such a commit. Across processes on
PostgreSQL, a NOTIFY sent inside the transaction reaches listening dispatchers at commit (and never
if the transaction rolls back).
"""

from sqlalchemy import text
from sqlalchemy.orm import Session

from hookdesk.db.dialects import on_postgresql

CHANNEL = "hookdesk_deliveries"
_FLAG = "hookdesk_wake_dispatcher"


def request_wakeup(session: Session) -> None:
    session.info[_FLAG] = True
    if on_postgresql(session):
        session.execute(text(f"NOTIFY {CHANNEL}"))


def take_wakeup_request(session: Session) -> bool:
    return bool(session.info.pop(_FLAG, False))

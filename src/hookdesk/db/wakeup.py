"""Waking, after a transaction commits, those who wait for what it wrote: the dispatcher when it
queued work (deliveries, mail), the live event streams when it wrote an event.

In one process, `Database` calls the wake-up listeners that wait for any of what the commit
wrote. Across processes on PostgreSQL, a NOTIFY sent inside the transaction reaches listening
dispatchers at commit (and never if the transaction rolls back): one per transaction and kind of
work, however many requests. An event alone notifies no one: streams of other processes find it
by their periodic look.
"""

from enum import Flag, auto

from sqlalchemy import text

from hookdesk.db import direct
from hookdesk.db.dialects import on_postgresql

CHANNEL = "hookdesk_deliveries"
_FLAG = "hookdesk_wake"


class Wake(Flag):
    DELIVERIES = auto()
    OWN_SERVER_MAIL = auto()  # mail of an account with its own SMTP server: any dispatcher sends it
    DEFAULT_SERVER_MAIL = auto()  # mail only a dispatcher given HOOKDESK_SMTP_URL sends
    EVENTS = auto()


NOTHING = Wake(0)
DISPATCH = Wake.DELIVERIES | Wake.OWN_SERVER_MAIL | Wake.DEFAULT_SERVER_MAIL

# The payload of each NOTIFY: the work it says was queued, so that a dispatcher looks only where
# it was (a dispatcher without a default server ignores that server's mail).
PAYLOADS = {
    Wake.DELIVERIES: "deliveries",
    Wake.OWN_SERVER_MAIL: "own_mail",
    Wake.DEFAULT_SERVER_MAIL: "default_mail",
}
# Run by the driver (`db/direct.py`): through `Session.execute` (its autoflush, its ORM result)
# a NOTIFY cost half as much again in CPU, and a ticket create sends it with its inserts
# (`direct.pipelined`).
_NOTIFIES = {wake: text(f"NOTIFY {CHANNEL}, '{payload}'") for wake, payload in PAYLOADS.items()}
_QUEUED = {payload: wake for wake, payload in PAYLOADS.items()}


def queued(payload: str) -> Wake:
    """The work a NOTIFY's `payload` says was queued. Any other payload (none, from versions that
    sent one NOTIFY for deliveries and own-server mail alike) may mean either of those two."""
    return _QUEUED.get(payload, Wake.DELIVERIES | Wake.OWN_SERVER_MAIL)


def request_wakeup(session: direct.Unit, wake: Wake) -> None:
    """Wake, after this transaction commits, whoever waits for `wake`."""
    asked: Wake = session.info.get(_FLAG, NOTHING)
    session.info[_FLAG] = asked | wake
    if on_postgresql(session):
        for kinds, notify in _NOTIFIES.items():
            if wake & kinds and not asked & kinds:
                direct.execute(session, notify, {})


def take_wakeup_request(session: direct.Unit) -> Wake:
    return session.info.pop(_FLAG, NOTHING)  # type: ignore[no-any-return]

"""One dispatcher at a time reads an account's mailbox: the one holding its lease, a row of
`mailbox_leases` that it renews while it reads. A holder that died stops renewing, and once the
lease ran out the next dispatcher to look takes the mailbox over.

A lease row rather than PostgreSQL's advisory locks: it works the same on SQLite; it pins no
connection per mailbox for as long as the mailbox is read (an advisory lock lives in its session);
and who reads which mailbox is a row anyone can look at. Its cost is a write per mailbox every
third of a lease, and a takeover that waits for the lease to run out rather than for the holder's
connection to drop.

Two readers of one mailbox for a moment (a holder that stalled for a whole lease, clocks of two
machines apart) cost work, not correctness: a message's Message-ID is recorded once per account,
so the second reader to apply it changes nothing."""

from collections.abc import Iterable

from sqlalchemy import delete, or_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from hookdesk.db.dialects import on_postgresql
from hookdesk.models.mail import MailboxLease


def hold(
    session: Session, account_ids: Iterable[str], *, holder: str, now: float, seconds: float
) -> set[str]:
    """The mailboxes `holder` may read for the next `seconds`: each one it held already, nobody
    held, or whose holder let the lease run out."""
    insert = pg_insert if on_postgresql(session) else sqlite_insert
    held = set()
    for account_id in sorted(account_ids):  # one order in every dispatcher: no deadlock
        taken = session.execute(
            insert(MailboxLease)
            .values(account_id=account_id, holder=holder, expires_at=now + seconds)
            .on_conflict_do_update(
                index_elements=[MailboxLease.account_id],
                set_={"holder": holder, "expires_at": now + seconds},
                where=or_(MailboxLease.holder == holder, MailboxLease.expires_at < now),
            )
            .returning(MailboxLease.account_id)  # rowcount is -1 here with psycopg
        ).first()
        if taken is not None:
            held.add(account_id)
    return held


def release(session: Session, *, holder: str) -> None:
    """Hand back every mailbox of `holder`, for another dispatcher to take at once."""
    session.execute(delete(MailboxLease).where(MailboxLease.holder == holder))

"""The purge: events, deliveries, attempts and mail older than the retention, and uploads never
attached.

It works account by account (every query is scoped by account, as everywhere in hookdesk) in short
transactions of at most `batch` deliveries or events each, so the API and the dispatchers keep
answering while a large purge runs. Deliveries go first, their attempts with them; an event goes
once no delivery refers to it. A delivery still pending (retries ahead, or its endpoint disabled)
is kept, with its event, until it ends: the purge never takes a delivery from under a dispatcher.
Mail messages go the same way (one still pending is kept), their attempts with them.

Uploads never attached to a reply go once older than a day (the portal's current logo excepted);
their files are removed after the transaction that deleted their rows has committed. Failed
sign-ins go once too old to count towards throttling, whatever the retention.
"""

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from functools import partial

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from hookdesk.access.signin import forget_old_failures
from hookdesk.assets.storage import LocalStorage
from hookdesk.db import Database
from hookdesk.mail.statuses import Status as MailStatus
from hookdesk.models.accounts import Account
from hookdesk.models.assets import Asset
from hookdesk.models.mail import MailAttempt, MailMessage
from hookdesk.models.webhooks import Attempt, OutboxEvent, WebhookEvent
from hookdesk.retention.files import remove_files
from hookdesk.webhooks.statuses import WebhookEventStatus

STRAY_ASSET_AGE = 86_400  # an upload has a day to be attached to a reply
# The process's SQLite write lock is not fair: without a pause the purge could take it again at
# once, batch after batch, while a request waits for it.
PAUSE_BETWEEN_BATCHES = 0.01
_NO_SYNC = {"synchronize_session": False}


@dataclass
class Purged:
    attempts: int = 0
    deliveries: int = 0
    events: int = 0
    assets: int = 0
    sign_in_failures: int = 0
    mail_messages: int = 0
    mail_attempts: int = 0

    def as_dict(self) -> dict[str, int]:
        return {each.name: getattr(self, each.name) for each in fields(self)}


@dataclass(frozen=True)
class Cutoffs:
    records: float | None  # events and deliveries created before this go; None keeps them all
    assets: float  # unattached uploads created before this go


def cutoffs(*, retention_seconds: float, now: float) -> Cutoffs:
    """The cutoffs of a retention (0: keep every event) at `now`."""
    records = now - retention_seconds if retention_seconds > 0 else None
    return Cutoffs(records=records, assets=now - STRAY_ASSET_AGE)


def purge(
    database: Database,
    storage: LocalStorage,
    limits: Cutoffs,
    *,
    batch: int,
    progress: Callable[[Purged], None] = lambda _purged: None,
    should_stop: Callable[[], bool] = lambda: False,
) -> Purged:
    """Remove what is older than the cutoffs; `progress` sees the totals after every batch."""
    purged = Purged()

    def step(work: Callable[[Session], Batch]) -> bool:
        """One batch in its own transaction; True when it was full (more may be left)."""
        with database.write() as session:
            done = work(session)
        # Only now that the rows are gone for good: a rollback never loses a file still in use.
        remove_files(storage, done.files)
        progress(purged)
        full = done.rows >= batch
        if full:
            time.sleep(PAUSE_BETWEEN_BATCHES)
        return full and not should_stop()

    for account_id in _account_ids(database):
        scope = _Scope(purged, account_id, batch)
        if limits.records is not None:
            while step(partial(_deliveries, scope, limits.records)):
                pass
            while step(partial(_events, scope, limits.records)):
                pass
            while step(partial(_mail, scope, limits.records)):
                pass
        while step(partial(_assets, scope, limits.assets)):
            pass
        if should_stop():
            return purged
    while step(partial(_sign_in_failures, purged, batch)):
        pass
    return purged


@dataclass(frozen=True)
class Batch:
    rows: int
    files: list[str] = field(default_factory=list)  # storage keys to remove after the commit


def _account_ids(database: Database) -> Sequence[str]:
    with database.read() as session:
        return session.scalars(select(Account.id).order_by(Account.id)).all()


@dataclass(frozen=True)
class _Scope:
    purged: Purged
    account_id: str
    limit: int


def _deliveries(scope: _Scope, before: float, session: Session) -> Batch:
    attempts, deliveries = delete_old_deliveries(
        session, account_id=scope.account_id, before=before, limit=scope.limit
    )
    scope.purged.attempts += attempts
    scope.purged.deliveries += deliveries
    return Batch(deliveries)


def _events(scope: _Scope, before: float, session: Session) -> Batch:
    removed = delete_old_events(
        session, account_id=scope.account_id, before=before, limit=scope.limit
    )
    scope.purged.events += removed
    return Batch(removed)


def _mail(scope: _Scope, before: float, session: Session) -> Batch:
    attempts, messages = delete_old_mail(
        session, account_id=scope.account_id, before=before, limit=scope.limit
    )
    scope.purged.mail_attempts += attempts
    scope.purged.mail_messages += messages
    return Batch(messages)


def _assets(scope: _Scope, before: float, session: Session) -> Batch:
    keys = delete_stray_assets(
        session, account_id=scope.account_id, before=before, limit=scope.limit
    )
    scope.purged.assets += len(keys)
    return Batch(len(keys), keys)


def _sign_in_failures(purged: Purged, limit: int, session: Session) -> Batch:
    removed = forget_old_failures(session, limit=limit)
    purged.sign_in_failures += removed
    return Batch(removed)


def delete_old_deliveries(
    session: Session, *, account_id: str, before: float, limit: int
) -> tuple[int, int]:
    """Up to `limit` of the account's finished deliveries created before `before`, with their
    attempts: (attempts, deliveries) removed. Rows a dispatcher or a request holds are skipped."""
    ids = session.scalars(
        select(WebhookEvent.id)
        .where(
            WebhookEvent.account_id == account_id,
            WebhookEvent.created_at < before,
            WebhookEvent.status != WebhookEventStatus.PENDING,
        )
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if not ids:
        return 0, 0
    attempts = session.execute(
        delete(Attempt).where(Attempt.account_id == account_id, Attempt.delivery_id.in_(ids)),
        execution_options=_NO_SYNC,
    )
    deliveries = session.execute(
        delete(WebhookEvent).where(WebhookEvent.account_id == account_id, WebhookEvent.id.in_(ids)),
        execution_options=_NO_SYNC,
    )
    return attempts.rowcount, deliveries.rowcount  # type: ignore[attr-defined]


def delete_old_mail(
    session: Session, *, account_id: str, before: float, limit: int
) -> tuple[int, int]:
    """Up to `limit` of the account's mail messages created before `before`, outbound ones sent
    or failed, with their attempts: (attempts, messages) removed. An inbound message's record
    goes too: the same message received again after the retention would be applied again."""
    ids = session.scalars(
        select(MailMessage.id)
        .where(
            MailMessage.account_id == account_id,
            MailMessage.created_at < before,
            MailMessage.status != MailStatus.PENDING,
        )
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if not ids:
        return 0, 0
    attempts = session.execute(
        delete(MailAttempt).where(
            MailAttempt.account_id == account_id, MailAttempt.mail_message_id.in_(ids)
        ),
        execution_options=_NO_SYNC,
    )
    messages = session.execute(
        delete(MailMessage).where(MailMessage.account_id == account_id, MailMessage.id.in_(ids)),
        execution_options=_NO_SYNC,
    )
    return attempts.rowcount, messages.rowcount  # type: ignore[attr-defined]


def delete_old_events(session: Session, *, account_id: str, before: float, limit: int) -> int:
    """Up to `limit` of the account's events created before `before` that no delivery refers to."""
    # By event_seq alone (the event is the account's already): a condition on the account too
    # leads PostgreSQL's planner to scan all of the account's deliveries for every event.
    referenced = exists().where(WebhookEvent.event_seq == OutboxEvent.id)
    ids = session.scalars(
        select(OutboxEvent.id)
        .where(OutboxEvent.account_id == account_id, OutboxEvent.created_at < before, ~referenced)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if not ids:
        return 0
    result = session.execute(
        delete(OutboxEvent).where(
            OutboxEvent.account_id == account_id, OutboxEvent.id.in_(ids), ~referenced
        ),
        execution_options=_NO_SYNC,
    )
    return result.rowcount  # type: ignore[attr-defined,no-any-return]


def delete_stray_assets(
    session: Session, *, account_id: str, before: float, limit: int
) -> list[str]:
    """Up to `limit` of the account's uploads created before `before` and never attached to a
    reply, except the portal's logo: their storage keys, for removing the files after commit."""
    is_logo = exists().where(
        Account.id == account_id,
        Account.brand_logo_url.contains(Asset.id),  # ids are UUIDs: no % or _
    )
    stray = session.scalars(
        select(Asset)
        .where(
            Asset.account_id == account_id,
            Asset.reply_id.is_(None),
            Asset.created_at < before,
            ~is_logo,
        )
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if not stray:
        return []
    session.execute(
        delete(Asset).where(
            Asset.account_id == account_id,
            Asset.id.in_([asset.id for asset in stray]),
            Asset.reply_id.is_(None),
        ),
        execution_options=_NO_SYNC,
    )
    return [asset.storage_key for asset in stray]

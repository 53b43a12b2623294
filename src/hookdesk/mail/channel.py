"""The mail channel of the dispatcher: pending notifications claimed under the outbox lease,
drafted (`prepare.py`: the thread and the portal link made, in a short write transaction of their
own), rendered outside any transaction, handed to the SMTP server
(`smtp.py`) and recorded as `mail_attempts`, moved on by the shared retry schedule.

A message goes out only when there is a server for it: the account's own `smtp_url`, else the
server's `HOOKDESK_SMTP_URL`. Without either it is not claimed at all and stays `pending`, shown
by the console's letter opener. Its group, for the per-destination cap, is its account: the
messages of one account go to one server, which `smtp.py` gives at most a few connections anyway."""

import asyncio
import random
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import structlog
from sqlalchemy import ColumnElement, Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from hookdesk.config import Settings
from hookdesk.db import Database, direct
from hookdesk.db.dialects import one_of
from hookdesk.db.wakeup import Wake
from hookdesk.mail.prepare import Draft, Unsendable, draft
from hookdesk.mail.smtp import Answer, SmtpSender
from hookdesk.mail.statuses import Direction, Status
from hookdesk.models.mail import MailAttempt, MailMessage, MailSettings
from hookdesk.shared.secretbox import SecretBox
from hookdesk.webhooks.dispatch import channel, lease
from hookdesk.webhooks.dispatch.retry import Outcome, RetryDecision, Verdict, decide

log = structlog.get_logger("hookdesk.dispatcher")

_messages: Table = MailMessage.__table__  # type: ignore[assignment]
_attempts: Table = MailAttempt.__table__  # type: ignore[assignment]

# SMTP's answers in the words of `retry.decide`: accepted (250, within its 2xx of success), a 5xx
# a refusal for good, anything else (4xx, no connection, a timeout) worth another attempt.
_OUTCOMES = {
    "sent": Outcome(250),
    "retry": Outcome(None),
    "failed": Outcome(None, permanent=True),
}
_STATUSES = lease.Statuses(delivered=Status.SENT, pending=Status.PENDING, failed=Status.FAILED)
_ATTEMPT_STATUS = {Verdict.DELIVERED: "sent", Verdict.RETRY: "retrying"}


@dataclass(frozen=True)
class Leased:
    id: str
    lease_token: str
    account_id: str
    attempt_count: int

    @property
    def group(self) -> str:
        return self.account_id


@dataclass(frozen=True)
class Handed:
    """What came of handing one message over, and what it was."""

    answer: Answer
    duration_ms: int
    subject: str | None = None
    message_id: str | None = None
    sender: str | None = None


Finished: TypeAlias = channel.Finished[Leased, Handed]


class MailChannel:
    name = "mail"
    wakes = Wake.OWN_SERVER_MAIL | Wake.DEFAULT_SERVER_MAIL

    def __init__(
        self,
        database: Database,
        smtp: SmtpSender,
        config: Settings,
        box: SecretBox,
        schedule: tuple[float, ...],
    ) -> None:
        self._database = database
        self._smtp = smtp
        # An account's messages go to one server, which takes only this many at once: more
        # would wait for a connection inside their send, and outlive their lease meanwhile.
        self.group_concurrency: int | None = smtp.connections_per_server
        self._config = config
        self._box = box
        self._schedule = schedule
        self._default_server = config.smtp_url is not None
        self._due = _due_statement(only_some_accounts=not self._default_server)

    # --- claim ------------------------------------------------------------------------------

    def claim(
        self,
        session: direct.Unit,
        *,
        now: float,
        lease_seconds: float,
        limit: int,
        room: Mapping[str, int],
        cap: int,
    ) -> channel.Claim[Leased]:
        """Up to `limit` due messages, oldest first, at most `room[a]` (else `cap`) of account
        `a`; locked (SKIP LOCKED on PostgreSQL, so dispatchers claim side by side) and leased."""
        parameters: dict[str, object] = {"now": now, "limit": limit + cap}
        if not self._default_server:
            # Without the server's default, only accounts with their own server send: with none,
            # the pending messages (kept for the letter opener, any number) are not even read.
            own = direct.execute(session, _WITH_OWN_SERVER, {})
            parameters["accounts"] = [account_id for (account_id,) in own]
            if not parameters["accounts"]:
                return channel.Claim([], backlog=False, next_due=None)
        rows = direct.execute(session, self._due, parameters)
        taken: list[tuple[str, str, int]] = []
        counts: dict[str, int] = {}
        for message_id, account_id, attempt_count in rows:
            if len(taken) < limit and counts.get(account_id, 0) < room.get(account_id, cap):
                counts[account_id] = counts.get(account_id, 0) + 1
                taken.append((message_id, account_id, attempt_count))
        backlog = len(rows) > len(taken)
        [(next_due,)] = direct.execute(session, _NEXT_DUE, {"now": now})
        if not taken:
            return channel.Claim([], backlog, next_due)
        token = lease.lease(
            session, _messages, [t[0] for t in taken], lease_end=now + lease_seconds
        )
        claimed = [Leased(i, token, account, count) for i, account, count in taken]
        return channel.Claim(claimed, backlog, next_due)

    # --- send -------------------------------------------------------------------------------

    async def send(self, item: Leased, *, now: float) -> Handed:
        try:
            drafted = await asyncio.to_thread(self._draft, item.id)
            prepared = await asyncio.to_thread(drafted.composed)
        except (Unsendable, ValueError) as error:  # ValueError: a password the key cannot open
            return Handed(Answer("failed", f"cannot be sent: {error}"), 0)
        except Exception as error:  # the database, most likely: the message waits for it
            log.exception("preparing a mail message failed", mail_message_id=item.id)
            return Handed(Answer("retry", f"could not be prepared: {type(error).__name__}"), 0)
        if prepared.server is None:  # the account's server was removed since the claim
            return Handed(Answer("retry", "no mail server is configured"), 0)
        started = time.perf_counter()
        answer = await self._smtp.send(
            prepared.server, prepared.message, sender=prepared.sender, to=prepared.to
        )
        duration_ms = int((time.perf_counter() - started) * 1000)
        return Handed(answer, duration_ms, prepared.subject, prepared.message_id, prepared.sender)

    def _draft(self, message_id: str) -> Draft:
        with self._database.write() as session:
            row = session.get(MailMessage, message_id)
            if row is None:
                raise Unsendable("the message is gone")
            return draft(session, row, self._config, self._box)

    # --- record -----------------------------------------------------------------------------

    def record(
        self, session: Session, finished: Sequence[Finished], *, now: float, rng: random.Random
    ) -> list[tuple[Finished, Verdict]]:
        """Record the attempts and move each message on (one erased meanwhile is dropped)."""
        stored = lease.still_stored(session, _messages, (f.claimed.id for f in finished))
        # In id order, the order rows are locked in, so two recorders never wait in a circle.
        kept = sorted((f for f in finished if f.claimed.id in stored), key=lambda f: f.claimed.id)
        if not kept:
            return []
        pairs = [(f, self._decide(f, rng)) for f in kept]
        session.connection().execute(insert(_attempts), [_attempt_row(f, d) for f, d in pairs])
        moves = [lease.move(f.claimed, d, now, _STATUSES) for f, d in pairs]
        held = lease.advance(session, _messages, moves)
        described = [_description(f, d, now) for f, d in pairs if f.claimed.id in held]
        if described:
            session.connection().execute(_DESCRIBE, described)
        return [(f, d.verdict) for f, d in pairs]

    def _decide(self, finished: Finished, rng: random.Random) -> RetryDecision:
        outcome = _OUTCOMES[finished.result.answer.outcome]
        return decide(outcome, finished.claimed.attempt_count + 1, self._schedule, rng)

    def release(self, session: Session, *, leases: Mapping[str, str], now: float) -> None:
        lease.release(session, _messages, leases=leases, now=now)


def _due_statement(*, only_some_accounts: bool) -> Any:
    conditions: list[ColumnElement[bool]] = [
        MailMessage.direction == Direction.OUTBOUND,
        MailMessage.status == Status.PENDING,
        MailMessage.next_attempt_at <= bindparam("now"),
    ]
    if only_some_accounts:
        conditions.append(one_of(_messages.c.account_id, "accounts"))
    return (
        select(MailMessage.id, MailMessage.account_id, MailMessage.attempt_count)
        .where(*conditions)
        .order_by(MailMessage.next_attempt_at)
        .limit(bindparam("limit"))
        .with_for_update(skip_locked=True)
    )


_WITH_OWN_SERVER = select(MailSettings.account_id).where(MailSettings.smtp_url.is_not(None))

# When to look again: a message not due yet (a retry, or one whose lease runs out).
_NEXT_DUE = select(func.min(MailMessage.next_attempt_at)).where(
    MailMessage.status == Status.PENDING, MailMessage.next_attempt_at > bindparam("now")
)

# What the message was, once a dispatcher made it: kept for the log and for threading.
_DESCRIBE = (
    update(_messages)
    .where(_messages.c.id == bindparam("d_id"))
    .values(
        subject=func.coalesce(bindparam("d_subject"), _messages.c.subject),
        message_id=func.coalesce(bindparam("d_message_id"), _messages.c.message_id),
        from_address=func.coalesce(bindparam("d_sender"), _messages.c.from_address),
        reason=bindparam("d_reason"),
        updated_at=bindparam("d_at"),
    )
)


def _attempt_row(finished: Finished, decision: RetryDecision) -> dict[str, object]:
    handed = finished.result
    return {
        "account_id": finished.claimed.account_id,
        "mail_message_id": finished.claimed.id,
        "attempted_at": finished.at,
        "duration_ms": handed.duration_ms,
        "status": _ATTEMPT_STATUS.get(decision.verdict, "failed"),
        "response": handed.answer.response,
    }


def _description(finished: Finished, decision: RetryDecision, now: float) -> dict[str, object]:
    handed = finished.result
    failed = decision.verdict is Verdict.FAILED
    return {
        "d_id": finished.claimed.id,
        "d_subject": handed.subject,
        "d_message_id": handed.message_id,
        "d_sender": handed.sender,
        "d_reason": handed.answer.response if failed else None,
        "d_at": int(now),
    }

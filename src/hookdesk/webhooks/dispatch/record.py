"""Recording finished attempts, many per transaction, and moving each delivery on; a delivery
that fails for good is told to the account (`webhook_event.failed`)."""

import random
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import (
    ARRAY,
    Double,
    Integer,
    String,
    Table,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session

from hookdesk.db.dialects import on_postgresql
from hookdesk.models.webhooks import Attempt, WebhookEvent
from hookdesk.webhooks.dispatch import health
from hookdesk.webhooks.dispatch.claim import Claimed
from hookdesk.webhooks.dispatch.retry import Outcome, RetryDecision, Verdict, decide
from hookdesk.webhooks.dispatch.sender import Result
from hookdesk.webhooks.outbox import operational
from hookdesk.webhooks.statuses import WebhookEventStatus


@dataclass(frozen=True)
class Finished:
    claimed: Claimed
    result: Result
    at: float  # when the attempt started


@dataclass(frozen=True)
class Policy:
    schedule: tuple[float, ...]
    disable_after: float


_STATUS = {
    Verdict.DELIVERED: WebhookEventStatus.DELIVERED,
    Verdict.RETRY: WebhookEventStatus.PENDING,
}

# Only the holder of the lease moves a delivery on: a delivery cancelled, resent or re-claimed
# meanwhile keeps its newer state (the attempt itself is recorded all the same).
# Core statements on the tables: the ORM's bulk paths cost more per row than the rows themselves.
_deliveries: Table = WebhookEvent.__table__  # type: ignore[assignment]
_attempts: Table = Attempt.__table__  # type: ignore[assignment]
_ADVANCE = (
    update(_deliveries)
    .where(
        _deliveries.c.id == bindparam("b_id"),
        _deliveries.c.lease_token == bindparam("b_token"),
    )
    .values(
        status=bindparam("b_status"),
        attempt_count=bindparam("b_count"),
        next_attempt_at=bindparam("b_next"),
        lease_token=None,
    )
)


def record(
    session: Session,
    finished: Sequence[Finished],
    *,
    policy: Policy,
    now: float,
    rng: random.Random,
) -> list[tuple[Finished, Verdict]]:
    """Record the attempts and move each delivery on; what came of each attempt recorded (an
    attempt at a delivery erased or purged meanwhile is dropped)."""
    finished = _still_stored(session, finished)
    if not finished:
        return []
    session.connection().execute(insert(_attempts), [_attempt_row(f) for f in finished])
    decisions = [_decide(f, policy, rng) for f in finished]
    # Endpoints before deliveries, the order the API locks them in (webhooks/endpoints/service.py),
    # so the two never wait on each other in a circle.
    outcomes = finished_outcomes(finished, decisions)
    health.record_outcomes(session, outcomes, policy.disable_after, now)
    pairs = sorted(zip(finished, decisions, strict=True), key=lambda p: p[0].claimed.delivery_id)
    rows = [_advance_row(f, d, now) for f, d in pairs]
    advance = _advance_in_one_statement if on_postgresql(session) else _advance_row_by_row
    held = advance(session, rows, [d.verdict is Verdict.FAILED for _f, d in pairs])
    for f, d in pairs:
        if d.verdict is Verdict.FAILED and f.claimed.delivery_id in held:
            _tell_failed(session, f)
    return [(f, d.verdict) for f, d in zip(finished, decisions, strict=True)]


def _advance_row_by_row(
    session: Session, rows: list[dict[str, object]], failing: list[bool]
) -> set[str]:
    """SQLite (a statement costs no round trip): the deliveries that failed for good one by one,
    to know which of them this dispatcher still held; their ids."""
    moving_on = [row for row, failed in zip(rows, failing, strict=True) if not failed]
    if moving_on:
        session.connection().execute(_ADVANCE, moving_on)
    return {
        str(row["b_id"])
        for row, failed in zip(rows, failing, strict=True)
        if failed and session.execute(_ADVANCE, row).rowcount  # type: ignore[attr-defined]
    }


_moves = (
    func.unnest(
        *(
            bindparam(name, type_=ARRAY(column_type))
            for name, column_type in (
                ("b_id", String),
                ("b_token", String),
                ("b_status", String),
                ("b_count", Integer),
                ("b_next", Double),
            )
        )
    )
    .table_valued("id", "token", "status", "count", "next_attempt_at")
    .render_derived()
)
_ADVANCE_ALL = (
    update(_deliveries)
    .where(_deliveries.c.id == _moves.c.id, _deliveries.c.lease_token == _moves.c.token)
    .values(
        status=_moves.c.status,
        attempt_count=_moves.c.count,
        next_attempt_at=_moves.c.next_attempt_at,
        lease_token=None,
    )
    .returning(_deliveries.c.id)
)


def _advance_in_one_statement(
    session: Session, rows: list[dict[str, object]], _failing: list[bool]
) -> set[str]:
    """PostgreSQL: every delivery moved on in one statement (one round trip, not one each);
    the ids of those this dispatcher still held."""
    columns = {key: [row[key] for row in rows] for key in rows[0]}
    return set(session.connection().scalars(_ADVANCE_ALL, columns))


def _tell_failed(session: Session, finished: Finished) -> None:
    result = finished.result
    last = operational.LastAttempt(int(finished.at), result.status_code, result.error)
    claimed = finished.claimed
    operational.event_failed(
        session, account_id=claimed.account_id, delivery_id=claimed.delivery_id, last=last
    )


def _still_stored(session: Session, finished: Sequence[Finished]) -> Sequence[Finished]:
    """Those whose delivery still exists: one erased (or purged) while in flight is dropped, its
    attempt with it. The rows stay key-share locked (as the attempts' foreign key would lock
    them) so that they cannot vanish before the attempts are inserted."""
    if not finished:
        return finished
    ids = [f.claimed.delivery_id for f in finished]
    stored = set(
        session.scalars(
            select(_deliveries.c.id)
            .where(_deliveries.c.id.in_(ids))
            .with_for_update(read=True, key_share=True)
        )
    )
    return [f for f in finished if f.claimed.delivery_id in stored]


def finished_outcomes(
    finished: Sequence[Finished], decisions: Sequence[RetryDecision]
) -> list[health.EndpointOutcome]:
    return [
        health.EndpointOutcome(f.claimed.account_id, f.claimed.endpoint_id, d.verdict)
        for f, d in zip(finished, decisions, strict=True)
    ]


def _decide(finished: Finished, policy: Policy, rng: random.Random) -> RetryDecision:
    outcome = Outcome(finished.result.status_code, finished.result.retry_after)
    return decide(outcome, finished.claimed.attempt_count + 1, policy.schedule, rng)


def _attempt_row(finished: Finished) -> dict[str, object]:
    result = finished.result
    return {
        "account_id": finished.claimed.account_id,
        "delivery_id": finished.claimed.delivery_id,
        "at": int(finished.at),
        "status_code": result.status_code,
        "duration_ms": result.duration_ms,
        "response_body": result.response_body,
        "error": result.error,
    }


def _advance_row(finished: Finished, decision: RetryDecision, now: float) -> dict[str, object]:
    retry = decision.verdict is Verdict.RETRY
    return {
        "b_id": finished.claimed.delivery_id,
        "b_token": finished.claimed.lease_token,
        "b_status": _STATUS.get(decision.verdict, WebhookEventStatus.FAILED),
        "b_count": finished.claimed.attempt_count + 1,
        "b_next": now + decision.delay if retry else None,
    }

"""Recording finished attempts, many per transaction, and moving each delivery on; a delivery
that fails for good is told to the account (`webhook_event.failed`)."""

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeAlias

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from hookdesk.db import direct
from hookdesk.models.webhooks import Attempt, WebhookEvent
from hookdesk.webhooks.dispatch import channel, health, lease, resends
from hookdesk.webhooks.dispatch.claim import Claimed
from hookdesk.webhooks.dispatch.retry import Outcome, RetryDecision, Verdict, decide
from hookdesk.webhooks.dispatch.sender import Result
from hookdesk.webhooks.outbox import operational
from hookdesk.webhooks.statuses import WebhookEventStatus

Finished: TypeAlias = channel.Finished[Claimed, Result]


@dataclass(frozen=True)
class Policy:
    schedule: tuple[float, ...]
    disable_after: float


_STATUSES = lease.Statuses(
    delivered=WebhookEventStatus.DELIVERED,
    pending=WebhookEventStatus.PENDING,
    failed=WebhookEventStatus.FAILED,
)

# Core statements on the tables: the ORM's bulk paths cost more per row than the rows themselves.
_deliveries: Table = WebhookEvent.__table__  # type: ignore[assignment]
_attempts: Table = Attempt.__table__  # type: ignore[assignment]
_INSERT_ATTEMPT = insert(_attempts)


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
    direct.execute_many(session, _INSERT_ATTEMPT, [_attempt_row(f) for f in finished])
    decisions = [_decide(f, policy, rng) for f in finished]
    # Endpoints before deliveries, the order the API locks them in (webhooks/endpoints/service.py),
    # so the two never wait on each other in a circle.
    outcomes = finished_outcomes(finished, decisions)
    health.record_outcomes(session, outcomes, policy.disable_after, now)
    pairs = sorted(zip(finished, decisions, strict=True), key=lambda p: p[0].claimed.delivery_id)
    resends.finish(session, [f for f, _d in pairs if f.claimed.resend])
    pairs = [(f, d) for f, d in pairs if not f.claimed.resend]
    moves = [lease.move(f.claimed, d, now, _STATUSES) for f, d in pairs]
    held = lease.advance(session, _deliveries, moves)
    for f, d in pairs:
        if d.verdict is Verdict.FAILED and f.claimed.delivery_id in held:
            _tell_failed(session, f)
    return [(f, d.verdict) for f, d in zip(finished, decisions, strict=True)]


def _tell_failed(session: Session, finished: Finished) -> None:
    result = finished.result
    last = operational.LastAttempt(int(finished.at), result.status_code, result.error)
    claimed = finished.claimed
    operational.event_failed(
        session, account_id=claimed.account_id, delivery_id=claimed.delivery_id, last=last
    )


def _still_stored(session: Session, finished: Sequence[Finished]) -> Sequence[Finished]:
    """Those whose delivery still exists: one erased (or purged) while in flight is dropped, its
    attempt with it."""
    if not finished:
        return finished
    stored = lease.still_stored(session, _deliveries, (f.claimed.delivery_id for f in finished))
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
    # A resend's verdict only tells the endpoint's health (delivered, gone, failing): its
    # delivery goes back to its schedule (resends.py), never failed for good by it.
    made = 1 if finished.claimed.resend else finished.claimed.scheduled_attempts + 1
    return decide(outcome, made, policy.schedule, rng)


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
        "resend": finished.claimed.resend,
    }

import random

import pytest

from hookdesk.webhooks.dispatch.retry import (
    JITTER,
    Outcome,
    RetryDecision,
    Verdict,
    decide,
    parse_retry_after,
)

SCHEDULE = (5.0, 60.0, 300.0)


def run(outcome: Outcome, attempts: int) -> RetryDecision:
    return decide(outcome, attempts, SCHEDULE, random.Random(7))


@pytest.mark.parametrize("status", [200, 201, 204, 299])
def test_any_2xx_is_delivered(status: int) -> None:
    assert run(Outcome(status), 1).verdict is Verdict.DELIVERED


@pytest.mark.parametrize("status", [None, 301, 400, 404, 429, 500, 503])
def test_failures_follow_the_schedule_with_jitter(status: int | None) -> None:
    for attempts, step in enumerate(SCHEDULE, start=1):
        decision = run(Outcome(status), attempts)
        assert decision.verdict is Verdict.RETRY
        assert step * (1 - JITTER) <= decision.delay <= step * (1 + JITTER)


def test_the_schedule_spent_is_failed() -> None:
    assert run(Outcome(500), len(SCHEDULE) + 1).verdict is Verdict.FAILED
    assert decide(Outcome(None), 1, (), random.Random()).verdict is Verdict.FAILED


def test_a_permanent_refusal_fails_with_attempts_left() -> None:
    assert run(Outcome(None, permanent=True), 1).verdict is Verdict.FAILED


def test_gone_is_its_own_verdict() -> None:
    assert run(Outcome(410), 1).verdict is Verdict.GONE


def test_jitter_spreads_retries() -> None:
    rng = random.Random(1)
    delays = {decide(Outcome(500), 1, SCHEDULE, rng).delay for _ in range(50)}
    assert len(delays) == 50


@pytest.mark.parametrize(
    ("status", "retry_after", "expected"),
    [
        (429, 30.0, 30.0),
        (503, 30.0, 30.0),
        (429, 0.0, 1.0),  # never sooner than a second
        (503, 10_000.0, 300.0),  # never later than the longest step
    ],
)
def test_retry_after_is_honoured_within_bounds(status, retry_after, expected) -> None:
    assert run(Outcome(status, retry_after), 1).delay == expected


def test_retry_after_is_ignored_on_other_statuses() -> None:
    assert run(Outcome(500, 30.0), 1).delay < 6


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120.0),
        (" 1.5 ", 1.5),
        (None, None),
        ("-3", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", None),
        ("²", None),
        ("١٢", None),
        ("nan", None),
        ("inf", None),
        ("1_0", None),
        ("1e3", None),
    ],
)
def test_parse_retry_after(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header) == seconds

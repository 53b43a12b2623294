"""What happens after an attempt: a pure function of the attempt's outcome and the schedule."""

import random
import re
from dataclasses import dataclass
from enum import StrEnum

JITTER = 0.1  # up to ±10% of the step, so retries of a burst of failures do not arrive together
MIN_RETRY_AFTER = 1.0
# Seconds as ASCII digits, with a fraction some receivers add: float() alone would also take
# 'nan', 'inf', '1_0' and digits of other scripts.
_SECONDS = re.compile(r"[0-9]+(\.[0-9]+)?")


class Verdict(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"
    FAILED = "failed"
    GONE = "gone"  # 410: the receiver says the endpoint no longer exists


# Not frozen: a frozen dataclass's __init__ costs about ten times more, and one is made per
# delivery. Treated as read-only all the same.
@dataclass(slots=True)
class Outcome:
    status_code: int | None  # None when no HTTP answer came (timeout, refused, reset, blocked)
    retry_after: float | None = None
    permanent: bool = False  # refused for good, whatever attempts are left (an SMTP 5xx)


@dataclass(frozen=True)
class RetryDecision:
    verdict: Verdict
    delay: float = 0.0  # seconds until the next attempt, for RETRY


# The decisions without a delay, made once: every delivered attempt is decided.
_DELIVERED = RetryDecision(Verdict.DELIVERED)
_GONE = RetryDecision(Verdict.GONE)
_FAILED = RetryDecision(Verdict.FAILED)


def decide(
    outcome: Outcome, attempts_made: int, schedule: tuple[float, ...], rng: random.Random
) -> RetryDecision:
    """`attempts_made` counts the attempt just made; `schedule` holds the waits between attempts."""
    status = outcome.status_code
    if status is not None and 200 <= status < 300:
        return _DELIVERED
    if status == 410:
        return _GONE
    if outcome.permanent or attempts_made > len(schedule):
        return _FAILED
    step = schedule[attempts_made - 1]
    delay = step * (1 + rng.uniform(-JITTER, JITTER))
    if status in (429, 503) and outcome.retry_after is not None:
        # Honour the receiver's wish, but not sooner than a second nor later than the longest step.
        delay = min(max(outcome.retry_after, MIN_RETRY_AFTER), max(schedule))
    return RetryDecision(Verdict.RETRY, delay)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a `Retry-After` header (HTTP dates, rare from receivers, are ignored)."""
    if value is None or not _SECONDS.fullmatch(value.strip()):
        return None
    return float(value.strip())

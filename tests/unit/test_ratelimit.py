"""The token bucket's arithmetic, on a clock the test moves by hand."""

import pytest

from hookdesk.accounts.ratelimit import MemoryBuckets, RateLimitDecision, RateLimits
from hookdesk.accounts.service import KeyHolder

KEY = KeyHolder(account_id="a", key_id="0123456789abcdef")


@pytest.mark.parametrize(
    ("tokens", "rate", "retry_after"),
    [(0.0, 25.0, 1), (0.99, 0.5, 1), (0.5, 0.1, 5), (0.0, 0.3, 4), (0.2, 0.2, 4)],
)
def test_retry_after_is_whole_seconds_rounded_up_and_at_least_1(
    tokens: float, rate: float, retry_after: int
) -> None:
    assert RateLimitDecision.refused(RateLimits(rate, 10), tokens).retry_after == retry_after


def test_the_bucket_refills_at_the_rate_up_to_its_capacity() -> None:
    now = [100.0]
    buckets = MemoryBuckets(RateLimits(rate=2.0, burst=3), clock=lambda: now[0])
    assert [buckets.take(KEY).remaining for _ in range(3)] == [2, 1, 0]
    refused = buckets.take(KEY)
    assert (refused.allowed, refused.retry_after) == (False, 1)
    for _ in range(5):  # refusals take nothing: half a second later a token is back
        assert not buckets.take(KEY).allowed
    now[0] += 0.5
    assert buckets.take(KEY).allowed
    assert not buckets.take(KEY).allowed
    now[0] += 3600  # a long pause fills the bucket, no more
    assert [buckets.take(KEY).allowed for _ in range(4)] == [True, True, True, False]

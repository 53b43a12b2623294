"""This process's own counts, kept in memory as things happen: requests answered, delivery
attempts recorded, sends in flight. Every process counts only itself, so scrape every process.

What the database knows (the queue, the dispatchers) is read at scrape time instead: see
`collector.py`.
"""

import collections
from collections.abc import Sequence

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    Counter,
    Gauge,
    Histogram,
)

from hookdesk.webhooks.dispatch.retry import Verdict

UNMATCHED = "unmatched"  # the route label of a request that no route took
# Where prometheus_client keeps each process's counts when several processes serve one /metrics.
MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
OTHER_METHOD = "other"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# A receiver has up to `HOOKDESK_DELIVERY_TIMEOUT` (15 s by default, at most 300 s) to answer.
ATTEMPT_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60, 120, 300)

HTTP_REQUESTS = Counter(
    "hookdesk_http_requests",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
    registry=None,
)
HTTP_DURATION = Histogram(
    "hookdesk_http_request_duration_seconds",
    "Time from a request's arrival to the end of its answer, by method and route template.",
    ["method", "route"],
    registry=None,
)
DELIVERIES = Counter(
    "hookdesk_deliveries",
    "Delivery attempts recorded by this process's dispatchers, by what came of them.",
    ["outcome"],
    registry=None,
)
ATTEMPT_DURATION = Histogram(
    "hookdesk_delivery_attempt_duration_seconds",
    "Time a delivery attempt took, from the request's start to the receiver's answer or failure.",
    buckets=ATTEMPT_BUCKETS,
    registry=None,
)
MAIL_ATTEMPTS = Counter(
    "hookdesk_mail_attempts",
    "Attempts at handing mail to SMTP servers recorded by this process's dispatchers, by what "
    "came of them.",
    ["outcome"],
    registry=None,
)
IN_FLIGHT = Gauge(
    "hookdesk_deliveries_in_flight",
    "Deliveries and mail messages this process's dispatchers are sending right now.",
    registry=None,
    multiprocess_mode="livesum",  # under `serve --workers`: the live processes' sum
)
# With the client library's own: CPU, memory, open files, garbage collection, Python's version.
ALL = (
    HTTP_REQUESTS,
    HTTP_DURATION,
    DELIVERIES,
    ATTEMPT_DURATION,
    MAIL_ATTEMPTS,
    IN_FLIGHT,
    PROCESS_COLLECTOR,
    PLATFORM_COLLECTOR,
    GC_COLLECTOR,
)

# Every outcome shows from the start, at 0, so a rate over it is defined before the first one.
_OUTCOMES = {verdict: DELIVERIES.labels(verdict.value) for verdict in Verdict}
# A mail server is never gone: a message is sent, retried or failed.
_MAIL_OUTCOMES: dict[Verdict, Counter] = {
    verdict: MAIL_ATTEMPTS.labels(verdict.value)
    for verdict in Verdict
    if verdict is not Verdict.GONE
}


def request_answered(method: str, route: str, status: int, seconds: float) -> None:
    method = method if method in METHODS else OTHER_METHOD  # clients may send any token
    HTTP_REQUESTS.labels(method, route, str(status)).inc()
    HTTP_DURATION.labels(method, route).observe(seconds)


class DispatcherMeter:
    """The dispatcher's meter (webhooks/dispatch/dispatcher.py `Meter`): sends in flight, and
    attempts recorded by outcome and duration."""

    def sends_started(self, count: int) -> None:
        IN_FLIGHT.inc(count)

    def send_ended(self) -> None:
        IN_FLIGHT.dec()

    def attempts_recorded(self, channel: str, attempts: Sequence[tuple[Verdict, float]]) -> None:
        # Each count is raised once by the batch's number: every inc takes a lock.
        outcomes = _MAIL_OUTCOMES if channel == "mail" else _OUTCOMES
        for verdict, count in collections.Counter(v for v, _seconds in attempts).items():
            outcomes[verdict].inc(count)
        if channel != "mail":
            for _verdict, seconds in attempts:
                ATTEMPT_DURATION.observe(seconds)

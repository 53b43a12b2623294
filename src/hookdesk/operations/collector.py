"""What the database says at scrape time: the delivery queue, disabled endpoints, the dispatchers.

Every process that serves `/metrics` reports these same numbers about the one database: aggregate
them across processes with `max`, not `sum`. The questions span every account on purpose (an
operator's view), and each is an index lookup or a count over the pending deliveries' index, bounded
by the probe's statement timeout. When the database does not answer, the scrape still succeeds
with `hookdesk_database_up 0` and none of these.
"""

import logging
import time
from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from hookdesk.models.webhooks import WebhookEndpoint, WebhookEvent
from hookdesk.webhooks.dispatch import heartbeat
from hookdesk.webhooks.statuses import EndpointStatus, WebhookEventStatus

log = logging.getLogger("hookdesk.metrics")

_QUEUE_DEPTH = (
    select(func.count())
    .select_from(WebhookEvent)
    .where(WebhookEvent.status == WebhookEventStatus.PENDING)
)
# Per endpoint, the earliest pending delivery is one probe of the claim index
# (endpoint_id, next_attempt_at WHERE pending); a leased delivery's time is its lease's end.
_EARLIEST_PER_ENDPOINT = (
    select(func.min(WebhookEvent.next_attempt_at))
    .where(
        WebhookEvent.endpoint_id == WebhookEndpoint.id,
        WebhookEvent.status == WebhookEventStatus.PENDING,
    )
    .correlate(WebhookEndpoint)
    .scalar_subquery()
)
_EARLIEST_DUE = select(func.min(_EARLIEST_PER_ENDPOINT)).where(
    WebhookEndpoint.status == EndpointStatus.ENABLED
)
_DISABLED = select(func.count()).where(
    WebhookEndpoint.status == EndpointStatus.DISABLED, WebhookEndpoint.deleted_at.is_(None)
)


class DatabaseCollector(Collector):
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "hookdesk_database_up", "1 when the database answered this scrape's questions in time."
        )
        try:
            now = time.time()
            with Session(self._engine) as session:
                readings = list(_readings(session, now))
        except SQLAlchemyError as error:
            log.warning("metrics could not read the database: %s", error)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from readings


def _readings(session: Session, now: float) -> Iterator[Metric]:
    yield GaugeMetricFamily(
        "hookdesk_queue_depth",
        "Deliveries pending: due, waiting for a retry, or being sent.",
        value=session.scalar(_QUEUE_DEPTH) or 0,
    )
    earliest = session.scalar(_EARLIEST_DUE)
    yield GaugeMetricFamily(
        "hookdesk_oldest_due_delivery_age_seconds",
        "How long the longest-waiting due delivery has been due; 0 when none is.",
        value=max(now - earliest, 0.0) if earliest is not None else 0.0,
    )
    yield GaugeMetricFamily(
        "hookdesk_endpoints_disabled",
        "Webhook endpoints disabled, by their account or automatically.",
        value=session.scalar(_DISABLED) or 0,
    )
    dispatchers = heartbeat.alive(session, now=now)
    yield GaugeMetricFamily(
        "hookdesk_dispatchers_alive",
        f"Dispatchers whose heartbeat was seen in the last {heartbeat.DEAD_AFTER:g} seconds.",
        value=len(dispatchers),
    )
    in_flight = GaugeMetricFamily(
        "hookdesk_dispatcher_in_flight",
        "Deliveries each live dispatcher had in flight at its last heartbeat.",
        labels=["dispatcher", "hostname", "pid"],
    )
    for row in dispatchers:
        in_flight.add_metric([row.id, row.hostname, str(row.pid)], row.in_flight)
    yield in_flight

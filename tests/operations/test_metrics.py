"""`/metrics`: requests by route template, delivery outcomes as the dispatcher records them, and
what the database says at scrape time. The process's counters are shared by every app in the
test process, so each test compares a scrape after with one before."""

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from hookdesk.app import create_app
from hookdesk.config import Settings
from hookdesk.db import Database
from hookdesk.migrations.migrate import prepare
from hookdesk.models.webhooks import DispatcherHeartbeat, WebhookEvent
from hookdesk.webhooks.dispatch.heartbeat import DEAD_AFTER
from tests.support.api import Api, new_account
from tests.support.receivers import Receiver, Reply, closed_port_url
from tests.support.scraping import Scrape, scrape
from tests.support.waiting import wait_until

RETRIEVE = "/v2/agency/tickets/retrieve/{ticket_id}"
CREATED, RESOLVED = "whitelabel.ticket.created", "whitelabel.ticket.resolved"


def endpoint(api: Api, url: str, *events: str) -> str:
    body = {"url": url, "events": list(events)}
    return str(api.ok(api.post("/v2/webhook-endpoints/create", body), "webhook_endpoint")["id"])


def grew(before: Scrape, after: Scrape, name: str, **labels: str) -> float:
    return after.value(name, **labels) - before.value(name, **labels)


@pytest.fixture
def receivers() -> Iterator[list[Receiver]]:
    made: list[Receiver] = []
    yield made
    for receiver in made:
        receiver.close()


def test_requests_count_under_their_route_template_and_status(api: Api) -> None:
    unknown = str(uuid.uuid4())
    before = scrape(api.http)
    for _ in range(2):
        assert api.get(f"/v2/agency/tickets/retrieve/{unknown}").status_code == 404
    ticket = api.ticket()
    assert api.get(f"/v2/agency/tickets/retrieve/{ticket['id']}").status_code == 200
    assert api.http.get(f"/no/such/{unknown}").status_code == 404
    assert api.http.request("BREW", "/healthz").status_code == 405
    after = scrape(api.http)

    requests = "hookdesk_http_requests_total"
    assert grew(before, after, requests, method="GET", route=RETRIEVE, status="404") == 2
    assert grew(before, after, requests, method="GET", route=RETRIEVE, status="200") == 1
    created = {"method": "POST", "route": "/v2/agency/tickets/create", "status": "200"}
    assert grew(before, after, requests, **created) == 1
    assert grew(before, after, requests, method="GET", route="unmatched", status="404") == 1
    assert grew(before, after, requests, method="other", route="/healthz", status="405") == 1
    durations = "hookdesk_http_request_duration_seconds_count"
    assert grew(before, after, durations, method="GET", route=RETRIEVE) == 3
    # Raw paths never become labels.
    assert unknown not in after.text
    assert ticket["id"] not in after.text


def test_delivery_outcomes_are_counted_once_recorded(
    live: Api, receiver: Receiver, receivers: list[Receiver]
) -> None:
    failing, gone = Receiver(), Receiver()
    receivers.extend([failing, gone])
    failing.default, gone.default = Reply(500), Reply(410)
    endpoint(live, receiver.url, CREATED)
    endpoint(live, failing.url, CREATED)
    endpoint(live, gone.url, RESOLVED)
    before = scrape(live.http)

    tickets = [live.ticket(), live.ticket()]
    live.ok(live.post(f"/v2/agency/tickets/resolve/{tickets[0]['id']}"), "ticket")

    # The short schedule (3 retries) ends each failing delivery after 4 attempts.
    def outcomes(scraped: Scrape) -> dict[str, float]:
        kinds = ("delivered", "retry", "failed", "gone")
        return {k: grew(before, scraped, "hookdesk_deliveries_total", outcome=k) for k in kinds}

    after = wait_until(
        lambda: scrape(live.http),
        lambda s: outcomes(s) == {"delivered": 2, "retry": 6, "failed": 2, "gone": 1},
        "every attempt to be recorded",
    )
    assert len(receiver.received) == 2
    assert len(failing.received) == 8
    assert len(gone.received) == 1
    assert grew(before, after, "hookdesk_delivery_attempt_duration_seconds_count") == 11
    assert grew(before, after, "hookdesk_delivery_attempt_duration_seconds_sum") > 0
    assert after.value("hookdesk_queue_depth") == 0
    assert after.value("hookdesk_oldest_due_delivery_age_seconds") == 0
    assert after.value("hookdesk_endpoints_disabled") == 1  # the one that answered 410
    assert after.value("hookdesk_deliveries_in_flight") == 0


def test_a_send_in_flight_shows_until_its_answer(
    live_settings: Settings, db: Database, receiver: Receiver
) -> None:
    # The receiver answers late enough for a scrape to happen meanwhile, within the timeout.
    patient = live_settings.model_copy(update={"delivery_timeout": 10.0})
    receiver.reply_with(Reply(200, delay=4.0))
    with TestClient(create_app(patient, db, run_dispatcher=True)) as http:
        api = new_account(http, db, "Patient")
        endpoint(api, receiver.url, CREATED)
        api.ticket()
        receiver.wait_for(1)
        assert scrape(http).value("hookdesk_deliveries_in_flight") == 1
        wait_until(
            lambda: scrape(http).value("hookdesk_deliveries_in_flight"),
            lambda in_flight: in_flight == 0,
            "the send to end",
        )
        assert len(receiver.received) == 1


def test_the_queue_is_read_from_the_database_at_scrape_time(
    live_settings: Settings, db: Database
) -> None:
    """An app without a dispatcher: what is queued stays queued, as behind a stopped dispatcher."""
    with TestClient(create_app(live_settings, db)) as http:
        api = new_account(http, db, "Queue")
        endpoint_id = endpoint(api, closed_port_url(), CREATED)
        for _ in range(3):
            api.ticket()
        now = time.time()
        with db.transaction() as session:
            waiting, later, _due = session.scalars(
                select(WebhookEvent.id).order_by(WebhookEvent.id)
            )
            for delivery_id, due in ((waiting, now - 120), (later, now + 600)):
                session.execute(
                    update(WebhookEvent)
                    .where(WebhookEvent.id == delivery_id)
                    .values(next_attempt_at=due)
                )
        scraped = scrape(http)
        elapsed = time.time() - now
        assert scraped.value("hookdesk_database_up") == 1
        assert scraped.value("hookdesk_queue_depth") == 3
        age = scraped.value("hookdesk_oldest_due_delivery_age_seconds")
        assert 120 <= age <= 120 + elapsed
        assert scraped.value("hookdesk_endpoints_disabled") == 0
        assert scraped.value("hookdesk_dispatchers_alive") == 0

        disabled = {"status": "disabled"}
        api.ok(
            api.post(f"/v2/webhook-endpoints/update/{endpoint_id}", disabled), "webhook_endpoint"
        )
        scraped = scrape(http)
        assert scraped.value("hookdesk_queue_depth") == 0  # a disabled endpoint's fail
        assert scraped.value("hookdesk_oldest_due_delivery_age_seconds") == 0
        assert scraped.value("hookdesk_endpoints_disabled") == 1


def test_each_live_dispatcher_shows_its_in_flight_count(live: Api, db: Database) -> None:
    with db.transaction() as session:
        session.add_all(
            [
                heartbeat("busy", seen_ago=1, in_flight=3),
                heartbeat("dead", seen_ago=DEAD_AFTER + 1, in_flight=7),
            ]
        )
    # This app's own dispatcher writes its row as it starts, with nothing in flight.
    scraped = wait_until(
        lambda: scrape(live.http),
        lambda s: s.value("hookdesk_dispatchers_alive") == 2,
        "the app's own dispatcher's first heartbeat",
    )
    rows = scraped.labels_of("hookdesk_dispatcher_in_flight")
    assert {row["dispatcher"] for row in rows} == {"busy", own_dispatcher_id(db)}
    busy = {"dispatcher": "busy", "hostname": "worker-busy", "pid": "4242"}
    assert scraped.value("hookdesk_dispatcher_in_flight", **busy) == 3


def test_metrics_still_answer_when_the_database_is_away(tmp_path: Path) -> None:
    """A SQLite file moved away; tests/operations/test_readiness.py cuts PostgreSQL off too."""
    path = tmp_path / "hookdesk.db"
    database = Database(f"sqlite:///{path}")
    prepare(database.engine)
    settings = Settings(database_url=database.url, data_dir=tmp_path, dev=True)
    try:
        with TestClient(create_app(settings, database)) as http:
            assert scrape(http).value("hookdesk_database_up") == 1
            path.rename(tmp_path / "moved-away.db")
            scraped = scrape(http)
            assert scraped.value("hookdesk_database_up") == 0
            assert not scraped.has("hookdesk_queue_depth")
            assert scraped.has("hookdesk_deliveries_total")  # the process's own counts remain
    finally:
        database.dispose()


def heartbeat(name: str, *, seen_ago: float, in_flight: int) -> DispatcherHeartbeat:
    now = time.time()
    return DispatcherHeartbeat(
        id=name,
        hostname=f"worker-{name}",
        pid=4242,
        started_at=int(now - 3600),
        seen_at=now - seen_ago,
        in_flight=in_flight,
    )


def own_dispatcher_id(db: Database) -> str:
    with db.transaction(write=False) as session:
        ids = session.scalars(
            select(DispatcherHeartbeat.id).where(DispatcherHeartbeat.id.not_in(["busy", "dead"]))
        ).all()
    assert len(ids) == 1
    return ids[0]

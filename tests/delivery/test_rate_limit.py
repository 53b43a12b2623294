"""An endpoint's `rate_limit`: taken and checked by the API, and held by the dispatchers'
claims (webhooks/dispatch/pacing.py): deliveries to it start at least 1/N s apart, with one
dispatcher or two on PostgreSQL, measured at a real receiver on 127.0.0.1."""

import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from sqlalchemy import update

from hookdesk.app import create_app
from hookdesk.db import Database
from hookdesk.models.webhooks import WebhookEndpoint, WebhookEvent
from hookdesk.webhooks.dispatch import pacing
from hookdesk.webhooks.dispatch.claim import claim
from hookdesk.webhooks.statuses import WebhookEventStatus
from tests.support.api import Api, new_account
from tests.support.chaos import api_beside, child_env, migrate, start_dispatchers
from tests.support.history import endpoint, history
from tests.support.receivers import Receiver

CREATED = ["whitelabel.ticket.created"]


def created(api: Api, **fields: object) -> dict:
    body = {"url": "https://hooks.example.com/h", "events": CREATED, **fields}
    return api.ok(api.post("/v2/webhook-endpoints/create", body), "webhook_endpoint")


# --- the API ------------------------------------------------------------------------------------


def test_rate_limit_is_set_shown_after_the_other_fields_and_cleared(api: Api) -> None:
    hook = created(api, rate_limit=5)
    assert list(hook)[-2:] == ["rate_limit", "secret"]
    assert hook["rate_limit"] == 5
    path = f"/v2/webhook-endpoints/update/{hook['id']}"
    assert api.ok(api.post(path, {"rate_limit": 1000}), "webhook_endpoint")["rate_limit"] == 1000
    assert api.ok(api.post(path, {"description": "x"}), "webhook_endpoint")["rate_limit"] == 1000
    assert api.ok(api.post(path, {"rate_limit": None}), "webhook_endpoint")["rate_limit"] is None
    assert created(api)["rate_limit"] is None
    shown = api.ok(api.get(f"/v2/webhook-endpoints/retrieve/{hook['id']}"), "webhook_endpoint")
    assert list(shown)[-1] == "rate_limit"


@pytest.mark.parametrize("bad", [0, -1, 1001, "5", 2.5, True, [5]])
def test_a_bad_rate_limit_is_a_400_naming_the_field(api: Api, bad: object) -> None:
    body = {"url": "https://hooks.example.com/h", "events": CREATED, "rate_limit": bad}
    answer = api.post("/v2/webhook-endpoints/create", body)
    assert answer.status_code == 400
    assert answer.json()["error_code"] == 1002
    assert answer.json()["error"].startswith("rate_limit")
    hook = created(api)
    answer = api.post(f"/v2/webhook-endpoints/update/{hook['id']}", {"rate_limit": bad})
    assert (answer.status_code, answer.json()["error_code"]) == (400, 1002)


# --- the claim, with a clock of the test's own --------------------------------------------------


def claimed_at(db: Database, now: float) -> tuple[int, float | None]:
    with db.write() as session:
        taken = claim(
            session, now=now, lease_seconds=60.0, limit=50, endpoint_room={}, endpoint_cap=16
        )
    return len(taken.claimed), taken.next_due


def test_a_paced_endpoint_gets_one_delivery_per_slot(api: Api, db: Database) -> None:
    paced, free = endpoint(db, api.account_id), endpoint(db, api.account_id)
    start_at = time.time()
    for endpoint_id in (paced, free):
        ids = history(
            db,
            api.account_id,
            endpoint_id,
            created_at=int(start_at),
            count=10,
            status=WebhookEventStatus.PENDING,
        ).delivery_ids
        with db.write() as session:
            session.execute(
                update(WebhookEvent).where(WebhookEvent.id.in_(ids)).values(next_attempt_at=0)
            )
    with db.write() as session:
        session.execute(
            update(WebhookEndpoint).where(WebhookEndpoint.id == paced).values(rate_limit=5)
        )
    spacing = pacing.spacing(5)

    count, next_due = claimed_at(db, start_at)
    assert count == 1 + 10  # one of the paced endpoint's, all of the other's
    assert next_due == pytest.approx(start_at + spacing)
    count, next_due = claimed_at(db, start_at + spacing * 0.99)
    assert count == 0
    assert next_due == pytest.approx(start_at + spacing)
    count, next_due = claimed_at(db, start_at + spacing)
    assert count == 1
    assert next_due == pytest.approx(start_at + 2 * spacing)
    # Late claims take one each too: a dispatcher that looks late makes no burst.
    assert claimed_at(db, start_at + 10.0)[0] == 1
    assert claimed_at(db, start_at + 10.0)[0] == 0


def test_a_claim_skips_a_paced_endpoint_another_claim_holds(api: Api, db: Database) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite serializes claims in its write transaction")
    paced = endpoint(db, api.account_id)
    ids = history(
        db, api.account_id, paced, created_at=int(time.time()), count=4,
        status=WebhookEventStatus.PENDING,
    ).delivery_ids  # fmt: skip
    with db.write() as session:
        session.execute(
            update(WebhookEvent).where(WebhookEvent.id.in_(ids)).values(next_attempt_at=0)
        )
        session.execute(
            update(WebhookEndpoint).where(WebhookEndpoint.id == paced).values(rate_limit=1)
        )
    now = time.time()
    with db.write() as first:
        taken = claim(
            first, now=now, lease_seconds=60.0, limit=10, endpoint_room={}, endpoint_cap=4
        )
        # While the first claim holds the endpoint's slot, a later one neither waits nor takes.
        count, next_due = claimed_at(db, now + 5.0)
    assert len(taken.claimed) == 1
    assert count == 0 and next_due == pytest.approx(now + 5.0 + pacing.spacing(1))


# --- two dispatcher processes on PostgreSQL, a real receiver -----------------------------------


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    started = Receiver()
    yield started
    started.close()


@pytest.mark.slow
def test_two_dispatchers_hold_an_endpoints_rate_limit(
    tmp_path: Path,
    own_postgres: str,
    receiver: Receiver,
    children: list[subprocess.Popen[bytes]],
) -> None:
    secret_key = Fernet.generate_key().decode()
    env = child_env(tmp_path, secret_key)
    migrate(own_postgres, env=env, cwd=tmp_path)
    start_dispatchers(children, own_postgres, 2, env=env, cwd=tmp_path)
    settings = api_beside(own_postgres, secret_key, tmp_path)
    database = Database(own_postgres)
    try:
        # The API in this process, without a dispatcher: the two above deliver everything.
        with TestClient(create_app(settings, database, run_dispatcher=False)) as http:
            api = new_account(http, database, "Paced Agency")
            hook = {"url": receiver.url, "events": CREATED, "rate_limit": 5}
            api.ok(api.post("/v2/webhook-endpoints/create", hook), "webhook_endpoint")
            on = {"client_id": api.client()["id"], "category": api.category()["id"]}
            for n in range(40):
                api.ticket(**on, title=f"Ticket {n}")
            arrived = receiver.wait_for(40, timeout=60)
            time.sleep(1.0)  # any delivery sent twice would arrive meanwhile
            arrived = list(receiver.received)
    finally:
        database.dispose()

    per_second = Counter(int(r.at) for r in arrived)
    print("arrivals per second:", sorted(per_second.items()))
    assert max(per_second.values()) <= 5, sorted(per_second.items())
    ids = [r.headers["webhook-id"] for r in arrived]
    assert len(ids) == len(set(ids)) == 40  # every event, each once

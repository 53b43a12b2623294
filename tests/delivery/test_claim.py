"""The claim shares its room out endpoint by endpoint, leases what it takes, and says when to
look again (webhooks/dispatch/claim.py), on SQLite and PostgreSQL alike."""

import time

import pytest
from sqlalchemy import select, update

from hookdesk.db import Database
from hookdesk.models.webhooks import WebhookEndpoint, WebhookEvent
from hookdesk.webhooks.dispatch.channel import Claim
from hookdesk.webhooks.dispatch.claim import claim
from hookdesk.webhooks.statuses import EndpointStatus, WebhookEventStatus
from tests.support.api import Api
from tests.support.history import endpoint, history

LEASE = 60.0


def due_deliveries(db: Database, account_id: str, endpoint_id: str, count: int) -> list[str]:
    written = history(
        db,
        account_id,
        endpoint_id,
        created_at=int(time.time()),
        count=count,
        status=WebhookEventStatus.PENDING,
    )
    with db.write() as session:
        session.execute(
            update(WebhookEvent)
            .where(WebhookEvent.id.in_(written.delivery_ids))
            .values(next_attempt_at=time.time() - 1)
        )
    return written.delivery_ids


def claimed_now(
    db: Database, *, limit: int = 200, room: dict[str, int] | None = None, cap: int = 16
) -> Claim:
    with db.write() as session:
        return claim(
            session,
            now=time.time(),
            lease_seconds=LEASE,
            limit=limit,
            endpoint_room=room or {},
            endpoint_cap=cap,
        )


def test_every_endpoint_with_due_deliveries_gets_a_share_of_the_limit(
    api: Api, db: Database
) -> None:
    endpoints = [endpoint(db, api.account_id) for _ in range(12)]
    for endpoint_id in endpoints:
        due_deliveries(db, api.account_id, endpoint_id, 1)

    first = claimed_now(db, limit=10)

    assert len(first.claimed) == 10
    assert len({c.endpoint_id for c in first.claimed}) == 10
    assert first.backlog  # two endpoints were left for want of room
    second = claimed_now(db, limit=10)
    taken = {c.endpoint_id for c in first.claimed + second.claimed}
    assert len(second.claimed) == 2 and taken == set(endpoints)
    assert not second.backlog


def test_an_endpoint_gets_no_more_than_its_room(api: Api, db: Database) -> None:
    busy, idle = endpoint(db, api.account_id), endpoint(db, api.account_id)
    due_deliveries(db, api.account_id, busy, 5)
    due_deliveries(db, api.account_id, idle, 5)

    result = claimed_now(db, room={busy: 2}, cap=4)

    per_endpoint = [c.endpoint_id for c in result.claimed]
    assert per_endpoint.count(busy) == 2 and per_endpoint.count(idle) == 4
    assert result.backlog


def test_only_enabled_endpoints_deliveries_are_claimed(api: Api, db: Database) -> None:
    enabled, disabled, deleted = (endpoint(db, api.account_id) for _ in range(3))
    for endpoint_id in (enabled, disabled, deleted):
        due_deliveries(db, api.account_id, endpoint_id, 2)
    with db.write() as session:
        session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == disabled)
            .values(status=EndpointStatus.DISABLED)
        )
        session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == deleted)
            .values(deleted_at=int(time.time()))
        )

    result = claimed_now(db)

    assert [c.endpoint_id for c in result.claimed] == [enabled, enabled]
    assert not result.backlog


def test_claimed_deliveries_are_leased_and_carry_what_sending_needs(api: Api, db: Database) -> None:
    endpoint_id = endpoint(db, api.account_id)
    ids = due_deliveries(db, api.account_id, endpoint_id, 3)
    before = time.time()

    result = claimed_now(db)

    assert sorted(c.delivery_id for c in result.claimed) == sorted(ids)
    assert len({c.lease_token for c in result.claimed}) == 1
    item = result.claimed[0]
    assert (item.url, item.secret, item.api_version) == (
        "https://receiver.invalid/hook",
        "sealed",
        2,
    )
    assert item.data_json.startswith('{"batch"') and item.account_id == api.account_id
    with db.read() as session:
        rows = session.execute(
            select(WebhookEvent.lease_token, WebhookEvent.next_attempt_at).where(
                WebhookEvent.id.in_(ids)
            )
        ).all()
    assert {token for token, _ in rows} == {item.lease_token}
    lease_ends = [lease_end or 0.0 for _, lease_end in rows]
    assert all(before + LEASE <= lease_end <= time.time() + LEASE for lease_end in lease_ends)
    # Leased, they are not due again until the lease ends: that is the next look.
    again = claimed_now(db)
    assert again.claimed == [] and not again.backlog
    assert again.next_due is not None and again.next_due >= before + LEASE


def test_nothing_due_says_when_to_look_again(api: Api, db: Database) -> None:
    endpoint_id = endpoint(db, api.account_id)
    history(
        db,
        api.account_id,
        endpoint_id,
        created_at=int(time.time()),
        count=1,
        status=WebhookEventStatus.PENDING,
    )

    result = claimed_now(db)

    assert result.claimed == [] and not result.backlog
    assert result.next_due is not None and result.next_due > time.time() + 3000


def test_two_claims_at_once_take_different_deliveries(api: Api, db: Database) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite serializes claims in its write transaction")
    endpoint_id = endpoint(db, api.account_id)
    due_deliveries(db, api.account_id, endpoint_id, 6)

    with db.write() as first_session:
        first = claim(
            first_session,
            now=time.time(),
            lease_seconds=LEASE,
            limit=3,
            endpoint_room={},
            endpoint_cap=16,
        )
        second = claimed_now(db)  # while the first holds its row locks

    assert len(first.claimed) == 3 and len(second.claimed) == 3
    first_ids = {c.delivery_id for c in first.claimed}
    assert first_ids.isdisjoint(c.delivery_id for c in second.claimed)

"""The purge removes what is older than the cutoff, and only that, on SQLite and PostgreSQL."""

from pathlib import Path

from sqlalchemy import select, update

from hookdesk.access.signin import FAILURE_WINDOW
from hookdesk.assets.storage import LocalStorage
from hookdesk.config import Settings
from hookdesk.db import Database
from hookdesk.models.access import SignInFailure
from hookdesk.models.assets import Asset
from hookdesk.models.webhooks import OutboxEvent
from hookdesk.retention.periodic import purge_turn
from hookdesk.retention.purge import Cutoffs, Purged, cutoffs, purge
from hookdesk.shared.clock import now
from hookdesk.webhooks.statuses import WebhookEventStatus
from tests.support.api import Api
from tests.support.history import counts, endpoint, history

DAY = 86_400


def test_only_rows_older_than_the_cutoff_go(
    api: Api, other_api: Api, db: Database, settings: Settings
) -> None:
    cutoff = now() - 30 * DAY
    mine, theirs = endpoint(db, api.account_id), endpoint(db, other_api.account_id)
    old = history(db, api.account_id, mine, created_at=cutoff - 1, count=5, attempts_each=2)
    young = history(db, api.account_id, mine, created_at=cutoff + 1, count=2)
    history(db, other_api.account_id, theirs, created_at=cutoff - 1, count=3)
    api.ticket()  # an event without deliveries (no endpoint subscribes), made now

    seen: list[dict[str, int]] = []
    purged = purge(
        db,
        LocalStorage(settings.assets_dir),
        Cutoffs(records=cutoff, assets=cutoff),
        batch=2,  # several batches per table
        progress=lambda so_far: seen.append(so_far.as_dict()),
    )

    assert purged == Purged(attempts=10 + 3, deliveries=5 + 3, events=5 + 3, assets=0)
    assert counts(db, api.account_id) == {"attempts": 2, "deliveries": 2, "events": 3}
    assert counts(db, other_api.account_id) == {"attempts": 0, "deliveries": 0, "events": 0}
    left = {event.id for event in api.events()}
    assert set(young.event_ids) <= left and not set(old.event_ids) & left
    assert len(seen) > 4 and seen[-1] == purged.as_dict()


def test_an_old_event_without_deliveries_goes(api: Api, db: Database, settings: Settings) -> None:
    api.ticket()
    api.ticket()
    first = api.events()[0]
    with db.write() as session:
        session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id == first.id)
            .values(created_at=now() - 31 * DAY)
        )
    purged = purge(db, LocalStorage(settings.assets_dir), _retention(30), batch=100)
    assert purged.events == 1
    assert [event.id for event in api.events()] == [first.id + 1]


def test_a_pending_delivery_and_its_event_stay_until_it_ends(
    api: Api, db: Database, settings: Settings
) -> None:
    written = history(
        db,
        api.account_id,
        endpoint(db, api.account_id),
        created_at=now() - 40 * DAY,
        count=2,
        status=WebhookEventStatus.PENDING,
    )
    purged = purge(db, LocalStorage(settings.assets_dir), _retention(30), batch=100)
    assert purged == Purged()
    assert counts(db, api.account_id) == {"attempts": 2, "deliveries": 2, "events": 2}
    assert [event.id for event in api.events()] == written.event_ids


def test_a_retention_of_zero_keeps_every_event(api: Api, db: Database, settings: Settings) -> None:
    history(db, api.account_id, endpoint(db, api.account_id), created_at=1, count=3)
    limits = cutoffs(retention_seconds=0, now=now())
    assert limits.records is None
    assert purge(db, LocalStorage(settings.assets_dir), limits, batch=100) == Purged()
    assert counts(db, api.account_id) == {"attempts": 3, "deliveries": 3, "events": 3}


def test_failed_sign_ins_go_once_too_old_to_count_whatever_the_retention(
    db: Database, settings: Settings
) -> None:
    with db.write() as session:
        session.add_all(
            SignInFailure(email=email, at=at)
            for email, at in [
                ("gone@example.com", now() - FAILURE_WINDOW - 5),
                ("gone@example.com", now() - 3 * 86_400),
                ("kept@example.com", now() - 60),
            ]
        )
    limits = cutoffs(retention_seconds=0, now=now())  # keep every event

    # Batches of one: the sweep goes on until nothing old is left.
    assert purge(db, LocalStorage(settings.assets_dir), limits, batch=1) == Purged(
        sign_in_failures=2
    )
    with db.read() as session:
        assert session.scalars(select(SignInFailure.email)).all() == ["kept@example.com"]


def upload(api: Api, name: str) -> dict:
    response = api.http.post(
        "/v2/assets/upload", files={"file": (name, b"bytes")}, headers=api.headers
    )
    return api.ok(response, "asset")


def test_uploads_never_attached_go_after_a_day_with_their_files(
    api: Api, db: Database, settings: Settings
) -> None:
    attached, stray, logo, fresh = (upload(api, f"{n}.png") for n in ("a", "s", "l", "f"))
    api.ticket(assets=[attached["id"]])
    logo_url = logo["public_url"]
    assert api.post("/v2/agency/brand/update", {"logo_url": logo_url}).status_code == 200
    two_days_ago = now() - 2 * DAY
    backdated = [attached["id"], stray["id"], logo["id"]]
    with db.write() as session:
        session.execute(
            update(Asset).where(Asset.id.in_(backdated)).values(created_at=two_days_ago)
        )
    storage = LocalStorage(settings.assets_dir)

    purged = purge(db, storage, _retention(30), batch=100)

    assert purged == Purged(assets=1)
    with db.read() as session:
        kept = set(session.scalars(select(Asset.id).where(Asset.account_id == api.account_id)))
    assert kept == {attached["id"], logo["id"], fresh["id"]}
    files = {path.stem for path in Path(settings.assets_dir).rglob("*.png")}
    assert files == kept


def test_one_purger_at_a_time_on_postgresql(db: Database) -> None:
    with purge_turn(db) as first, purge_turn(db) as second:
        assert first
        assert second == db.is_sqlite  # SQLite serializes writers; PostgreSQL takes a lock
    with purge_turn(db) as again:
        assert again  # released


def _retention(days: int) -> Cutoffs:
    return cutoffs(retention_seconds=days * DAY, now=now())


def test_event_ids_keep_growing_once_the_newest_is_purged(
    api: Api, db: Database, settings: Settings
) -> None:
    api.ticket()
    newest = api.events()[-1].id
    with db.write() as session:
        session.execute(update(OutboxEvent).values(created_at=now() - 31 * DAY))
    assert purge(db, LocalStorage(settings.assets_dir), _retention(30), batch=100).events == 1
    api.ticket()
    # `hookdesk listen` resumes after a sequence number: a reused one would hide new events.
    assert [event.id for event in api.events()] == [newest + 1]

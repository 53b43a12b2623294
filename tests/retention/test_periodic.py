"""The dispatcher purges by itself: as it starts, then every `purge_interval` seconds."""

from fastapi.testclient import TestClient

from hookdesk.app import create_app
from hookdesk.config import Settings
from hookdesk.db import Database
from hookdesk.shared.clock import now
from tests.support.api import new_account
from tests.support.history import counts, endpoint, history
from tests.support.waiting import wait_until

DAY = 86_400


def wait_until_purged(db: Database, account_id: str, expected: dict[str, int]) -> None:
    wait_until(
        lambda: counts(db, account_id), lambda seen: seen == expected, what=f"counts {expected}"
    )


def test_the_dispatcher_purges_every_interval(live_settings: Settings, db: Database) -> None:
    settings = live_settings.model_copy(update={"retention_days": 30.0, "purge_interval": 0.2})
    with TestClient(create_app(settings, db, run_dispatcher=True)) as http:
        api = new_account(http, db, "Purged Agency")
        target = endpoint(db, api.account_id)
        history(db, api.account_id, target, created_at=now() - 31 * DAY, count=3)
        history(db, api.account_id, target, created_at=now() - 29 * DAY, count=2)
        wait_until_purged(db, api.account_id, {"attempts": 2, "deliveries": 2, "events": 2})
        # And again at the next interval, not only once.
        history(db, api.account_id, target, created_at=now() - 40 * DAY, count=4)
        wait_until_purged(db, api.account_id, {"attempts": 2, "deliveries": 2, "events": 2})

"""The API keeps answering while the purge removes many rows: measured, not assumed.

Prints the longest API pause seen while purging 20,000 deliveries (run with -s to see it)."""

import statistics
import threading
import time

import pytest

from hookdesk.assets.storage import LocalStorage
from hookdesk.config import Settings
from hookdesk.db import Database
from hookdesk.retention.purge import Purged, cutoffs, purge
from hookdesk.shared.clock import now
from tests.support.api import Api
from tests.support.history import counts, endpoint, history

pytestmark = pytest.mark.slow

DELIVERIES = 20_000
DAY = 86_400


def test_the_api_answers_during_a_purge_of_20k_deliveries(
    api: Api, db: Database, settings: Settings
) -> None:
    target = endpoint(db, api.account_id)
    for _ in range(DELIVERIES // 5_000):
        history(db, api.account_id, target, created_at=now() - 40 * DAY, count=5_000)
    client, category = api.client(), api.category()
    body = {"client_id": client["id"], "category": category["id"]}

    def write_one() -> float:
        started = time.perf_counter()
        api.ticket(**body)
        return time.perf_counter() - started

    quiet = [write_one() for _ in range(20)]
    purged: list[Purged] = []
    purger = threading.Thread(
        target=lambda: purged.append(
            purge(
                db,
                LocalStorage(settings.assets_dir),
                cutoffs(retention_seconds=30 * DAY, now=now()),
                batch=settings.purge_batch,
            )
        )
    )
    began = time.perf_counter()
    purger.start()
    during: list[float] = []
    while purger.is_alive():
        during.append(write_one())
    purger.join(timeout=120)
    took = time.perf_counter() - began

    assert purged and purged[0].deliveries == DELIVERIES
    assert counts(db, api.account_id)["deliveries"] == 0
    print(
        f"\n[{db.engine.dialect.name}] purge of {DELIVERIES} deliveries (+ attempts, events) "
        f"took {took:.2f} s; {len(during)} ticket creations meanwhile: longest "
        f"{max(during) * 1000:.0f} ms, median {statistics.median(during) * 1000:.1f} ms "
        f"(without a purge: longest {max(quiet) * 1000:.0f} ms, "
        f"median {statistics.median(quiet) * 1000:.1f} ms)"
    )
    assert len(during) >= 10  # the API kept answering throughout, not once the purge was done
    # One long transaction would hold the writers for about the whole purge; batches do not.
    assert max(during) < took / 2

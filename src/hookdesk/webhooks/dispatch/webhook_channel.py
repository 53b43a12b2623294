"""The webhook channel: deliveries claimed endpoint by endpoint (`claim.py`), made into signed
requests (`Preparer`), POSTed (`Sender`) and recorded with the endpoints' health (`record.py`)."""

import random
from collections.abc import Mapping, Sequence

from sqlalchemy.orm import Session

from hookdesk.db import direct
from hookdesk.db.wakeup import Wake
from hookdesk.webhooks.dispatch import claim as claiming
from hookdesk.webhooks.dispatch import record as recording
from hookdesk.webhooks.dispatch.channel import Claim
from hookdesk.webhooks.dispatch.claim import Claimed
from hookdesk.webhooks.dispatch.prepare import Preparer
from hookdesk.webhooks.dispatch.record import Finished, Policy
from hookdesk.webhooks.dispatch.retry import Verdict
from hookdesk.webhooks.dispatch.sender import Result, Sender


class WebhookChannel:
    name = "webhooks"
    wakes = Wake.DELIVERIES
    group_concurrency: int | None = None  # an endpoint takes what `endpoint_concurrency` allows

    def __init__(self, sender: Sender, preparer: Preparer, policy: Policy) -> None:
        """`sender` makes the HTTP calls: tests hand in a fake."""
        self._sender = sender
        self._preparer = preparer
        self._policy = policy

    def claim(
        self,
        session: direct.Unit,
        *,
        now: float,
        lease_seconds: float,
        limit: int,
        room: Mapping[str, int],
        cap: int,
    ) -> Claim[Claimed]:
        return claiming.claim(
            session,
            now=now,
            lease_seconds=lease_seconds,
            limit=limit,
            endpoint_room=room,
            endpoint_cap=cap,
        )

    async def send(self, item: Claimed, *, now: float) -> Result:
        try:
            request = self._preparer.request(item, now=now)
        except ValueError as error:  # e.g. a secret that the server key cannot open
            return Result(None, 0, error=f"could not prepare the request: {error}")
        return await self._sender.send(request)

    def record(
        self, session: Session, finished: Sequence[Finished], *, now: float, rng: random.Random
    ) -> list[tuple[Finished, Verdict]]:
        return recording.record(session, finished, policy=self._policy, now=now, rng=rng)

    def release(self, session: Session, *, leases: Mapping[str, str], now: float) -> None:
        claiming.release(session, leases=leases, now=now)

"""What the dispatcher sends through: a `Channel` brings what differs from one kind of outbox
row to another (webhook events to endpoints, mail messages to SMTP servers); the dispatcher keeps
what they share (the concurrency caps, the wake-ups, the backlog, the shutdown, the `Meter`).

A channel claims due rows under a lease (`lease.py`), sends one claimed row (preparing it first,
and answering what came of it rather than raising), records finished attempts in a transaction
(deciding the next step with `retry.decide`) and hands leases back on shutdown. Each claimed row
names its `group`, the destination its per-destination cap counts (an endpoint, an account's mail
server)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from random import Random
from typing import Generic, Protocol, TypeVar

from sqlalchemy.orm import Session

from hookdesk.db import direct
from hookdesk.db.wakeup import Wake
from hookdesk.webhooks.dispatch.retry import Verdict


class Item(Protocol):
    """A claimed row."""

    @property
    def id(self) -> str: ...

    @property
    def lease_token(self) -> str: ...

    @property
    def group(self) -> str: ...


class Answer(Protocol):
    """What came of one send."""

    @property
    def duration_ms(self) -> int: ...


ItemT = TypeVar("ItemT", bound=Item)
AnswerT = TypeVar("AnswerT", bound=Answer)


@dataclass(frozen=True)
class Claim(Generic[ItemT]):
    claimed: list[ItemT]
    backlog: bool  # due rows were left for want of room
    next_due: float | None  # the earliest time a pending row falls due after now


# Not frozen: a frozen dataclass's __init__ costs about ten times more, and one is made per
# delivery. Treated as read-only all the same.
@dataclass(slots=True)
class Finished(Generic[ItemT, AnswerT]):
    claimed: ItemT
    result: AnswerT
    at: float  # when the attempt started


class Channel(Protocol[ItemT, AnswerT]):
    name: str  # how the Meter tells the channels apart
    # The work whose commit wakes this channel's claim (`db/wakeup.py`): a commit that queued
    # other work does not make it look.
    wakes: Wake
    # The most sends to one group its destinations take at once (an SMTP server's few
    # connections), below the dispatcher's per-group cap; None: that cap alone.
    group_concurrency: int | None

    def claim(
        self,
        session: direct.Unit,
        *,
        now: float,
        lease_seconds: float,
        limit: int,
        room: Mapping[str, int],
        cap: int,
    ) -> Claim[ItemT]:
        """Lease up to `limit` due rows, at most `room[g]` (else `cap`) of each group `g`; by
        `direct`'s statements alone, since on SQLite the claim's unit of work is the driver's
        own transaction (`Database.awaited_directly`)."""
        ...

    async def send(self, item: ItemT, *, now: float) -> AnswerT:
        """Prepare and send one claimed row; what came of it (never raises for a failed send)."""
        ...

    def record(
        self,
        session: Session,
        finished: Sequence[Finished[ItemT, AnswerT]],
        *,
        now: float,
        rng: Random,
    ) -> list[tuple[Finished[ItemT, AnswerT], Verdict]]:
        """Record the attempts and move each row on; what came of each one recorded."""
        ...

    def release(self, session: Session, *, leases: Mapping[str, str], now: float) -> None:
        """Hand these leases (row id -> lease token) back."""
        ...

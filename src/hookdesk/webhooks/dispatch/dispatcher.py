"""The dispatcher: claim due rows of every channel (webhook deliveries, mail messages), send
them concurrently, record the attempts.

Its life: `run(stop)` loops until `stop` is set. It wakes at once when a commit queues deliveries
or mail it can send (an in-process signal, and LISTEN/NOTIFY on PostgreSQL), else when the next
retry falls due. A claim asks only the channels with something to look at: those whose work was
queued (`Channel.wakes`), those with rows due or left for want of room, and every channel once in
`IDLE_POLL`, for what other processes queued unheard (SQLite). Beside the API, a ticket whose
delivery wakes the dispatcher is then one claim of deliveries, not one of mail too.

At most `dispatcher_concurrency` sends are in flight, at most `endpoint_concurrency` per group
of a channel (an endpoint, an account's mail; fewer where the channel says its destinations take
fewer, as an SMTP server's few connections), so a slow destination cannot hold up the others. No
transaction is open while a request is in flight. On stop it claims nothing more, hands back what
it claimed and did not start, lets sends in flight finish within `shutdown_timeout`, hands back
the leases of the rest, records everything, and returns.

Attempts are recorded a batch per transaction: a finished attempt waits up to `RECORD_LINGER`
for others, less when a batch fills. Beside the API at a steady rate, where most claims take one
delivery, that leaves about one transaction per delivery (its claim) where there were two.

It claims ahead: up to a batch more than it can send at once, and up to twice the cap of each
group, queued until a sender and the group's cap have room. A claim is a round trip or more to
the database, and a fast receiver answers a whole batch meanwhile: claimed only when room was free,
the senders would sit idle through every claim. The queue keeps them busy while the next claim
runs. The caps are kept when a send starts, not when a row is claimed:

    claimed ─┬─ its group's cap full ─── queued in its group, until one of its sends ends
             └─ room in its group ─────── ready, for the next free sender of `concurrency`:
                  ├─ claimed more than `start_within` ago ─── handed back, due again, unsent
                  │  (its lease must still cover a whole send and the record of it)
                  └─ sent, then recorded; its group's next queued row becomes ready
"""

import asyncio
import contextlib
import random
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import structlog
from sqlalchemy.orm import Session

from hookdesk.db import Database, direct
from hookdesk.db.wakeup import DISPATCH, Wake
from hookdesk.webhooks.dispatch.channel import Channel, Claim, Finished, Item
from hookdesk.webhooks.dispatch.notify import listen_for_wakeups
from hookdesk.webhooks.dispatch.retry import Verdict

log = structlog.get_logger("hookdesk.dispatcher")

IDLE_POLL = 2.0  # seconds between looks for due retries when nothing wakes the dispatcher
MIN_POLL = 0.01
# How long finished attempts wait for others to share their record's transaction. At a steady
# trickle (a delivery per ticket beside the API) each attempt was a transaction of its own, as
# costly as its claim; a receiver has its delivery already, and only the delivery's status and
# the metrics wait. A batch that fills is recorded at once.
RECORD_LINGER = 0.05

AnyChannel = Channel[Any, Any]


class Meter(Protocol):
    """What the dispatcher reports as it goes (operations/instruments.py counts it for /metrics).
    Attempts recorded are told a record's batch at a time: a count's lock taken once per batch,
    not once per delivery."""

    def sends_started(self, count: int) -> None: ...

    def send_ended(self) -> None: ...

    def attempts_recorded(self, channel: str, attempts: Sequence[tuple[Verdict, float]]) -> None:
        """Each attempt's verdict and its duration in seconds."""
        ...


class Unmetered:
    """A `Meter` that counts nothing."""

    def sends_started(self, count: int) -> None:
        pass

    def send_ended(self) -> None:
        pass

    def attempts_recorded(self, channel: str, attempts: Sequence[tuple[Verdict, float]]) -> None:
        pass


@dataclass(frozen=True)
class DispatchLimits:
    concurrency: int
    endpoint_concurrency: int  # per group of a channel: an endpoint, an account's mail server
    batch: int
    lease_seconds: float
    shutdown_timeout: float
    # A claimed row still queued this many seconds after its claim is handed back: its lease
    # (a send's timeout and a margin) must still cover its send and the recording of it.
    start_within: float


# Not frozen: one is made per claimed row (see claim.py's Claimed).
@dataclass(slots=True)
class _Held:
    """A claimed row, from its claim until its attempt ends or its lease is handed back."""

    channel: AnyChannel
    item: Item
    claimed_at: float

    @property
    def key(self) -> tuple[str, str]:
        return self.channel.name, self.item.id

    @property
    def group(self) -> tuple[str, str]:
        return self.channel.name, self.item.group


class Dispatcher:
    def __init__(
        self,
        database: Database,
        channels: Sequence[AnyChannel],
        *,
        limits: DispatchLimits,
        meter: Meter | None = None,
        clock: Callable[[], float] = time.time,
        wakes: Wake = DISPATCH,
        beside_the_api: bool = False,
    ) -> None:
        """`channels` claim, send and record (their senders make the calls) and `clock` tells
        the time (Unix seconds) of claims, attempts and retries: tests hand in fakes. `wakes`:
        the work queued that wakes it (`db/wakeup.py`), less mail for the server's default when
        it has none.

        `beside_the_api`: it shares its process and loop with the API's routes. On SQLite its
        transactions then always wait for the write lock on a worker thread, not on the loop
        when the lock is free (`Database.awaited`, and `awaited_directly` for claims): beside
        the API, asked for more tickets than the process could serve (400/s,
        bench/dispatch.py's latency), deliveries fell 4.6 to 5 s behind that way, against
        23-27 ms with the thread."""
        self._database = database
        self._channels = list(channels)
        self._limits = limits
        cap = limits.endpoint_concurrency
        self._group_caps = {c.name: min(cap, c.group_concurrency or cap) for c in channels}
        self._meter = meter or Unmetered()
        self._clock = clock
        self._wakes = wakes
        self._at_once = not beside_the_api
        self._rng = random.Random()
        self._wake = asyncio.Event()
        self._everything = {c.name for c in channels}
        self._to_look_at: set[str] = set(self._everything)  # the next claim's channels
        self._looked_at_all = time.monotonic()
        self._next_due: dict[str, float] = {}  # each channel's, as its last claim told it
        self._backlogs: set[str] = set()  # channels with due rows left for want of room
        self._held: dict[tuple[str, str], _Held] = {}  # claimed: queued, ready or being sent
        self._held_per_group: Counter[tuple[str, str]] = Counter()
        self._queued: defaultdict[tuple[str, str], deque[_Held]] = defaultdict(deque)
        self._started_per_group: Counter[tuple[str, str]] = Counter()  # ready or being sent
        self._to_send: asyncio.Queue[_Held] = asyncio.Queue()
        self._all_sent = asyncio.Event()
        self._finished: list[tuple[AnyChannel, Finished[Any, Any]]] = []
        self._to_release: list[_Held] = []
        self._finished_ready = asyncio.Event()
        self._record_now = asyncio.Event()  # a batch is full, or the dispatcher is closing
        self._closing = False
        self._running = False

    @property
    def in_flight(self) -> int:
        """The rows it holds leases of: being sent, or claimed ahead and queued."""
        return len(self._held)

    @property
    def running(self) -> bool:
        """True from the start of `run` until it returns, by a stop or by a crash."""
        return self._running

    async def run(self, stop: asyncio.Event) -> None:
        self._running = True
        try:
            await self._run(stop)
        finally:
            self._running = False

    async def _run(self, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()

        def woken_from_any_thread(queued: Wake) -> None:
            # Told once per commit of all it queued: one claim asks every channel it concerns.
            loop.call_soon_threadsafe(self._woken, queued)

        self._database.add_wakeup_listener(woken_from_any_thread, self._wakes)
        helpers = [asyncio.create_task(self._record_loop())]
        if not self._database.is_sqlite:
            default_mail = bool(self._wakes & Wake.DEFAULT_SERVER_MAIL)
            listening = listen_for_wakeups(
                self._database.url, self._woken, default_mail=default_mail
            )
            helpers.append(asyncio.create_task(listening))
        senders = [asyncio.create_task(self._sender()) for _ in range(self._limits.concurrency)]
        try:
            await self._claim_loop(stop)
        finally:
            self._database.remove_wakeup_listener(woken_from_any_thread)
            await self._shut_down(senders, helpers)

    def _woken(self, wakes: Wake) -> None:
        """`wakes` was queued: the channels that send it are looked at."""
        self._look_at({c.name for c in self._channels if c.wakes & wakes})

    def _look_at(self, names: set[str]) -> None:
        if names:
            self._to_look_at |= names
            self._wake.set()

    async def _claim_loop(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self._wake.clear()
            room = self._limits.concurrency + self._limits.batch - len(self._held)
            claimed_at = self._clock()  # no later than the claim's: its leases end after
            looked_at = self._channels_to_look_at(claimed_at)
            claims = await self._claim(room, looked_at) if room > 0 else None
            for channel, claim in claims or []:
                for item in claim.claimed:
                    self._hold(_Held(channel, item, claimed_at))
            self._remember(claims)
            if claims and sum(len(claim.claimed) for _c, claim in claims) >= min(
                room, self._limits.batch
            ):
                self._to_look_at |= looked_at
                continue  # more may be due right now
            next_due = min(self._next_due.values(), default=None)
            await _first_of(self._wake, stop, timeout=_sleep_until(next_due, self._clock()))
            if not self._wake.is_set():  # a retry's time, or the periodic look: every channel
                self._to_look_at = set(self._everything)

    def _channels_to_look_at(self, now: float) -> set[str]:
        """The names of the channels the next claim asks: the woken, the due, those with a
        backlog, and every one when none was asked for `IDLE_POLL` (woken all the while)."""
        if time.monotonic() - self._looked_at_all >= IDLE_POLL:
            self._looked_at_all = time.monotonic()
            self._to_look_at = set(self._everything)
        due = {name for name, at in self._next_due.items() if at <= now}
        names = self._to_look_at | self._backlogs | due
        self._to_look_at = set()
        return names

    def _remember(self, claims: list[tuple[AnyChannel, Claim[Any]]] | None) -> None:
        """What each channel's claim told of the rows it left: when the next falls due, and
        whether some are due already and left for want of room (a finishing send is then worth a
        new claim). No claim at all (no room, or it failed): every channel may have some."""
        if claims is None:
            self._backlogs = set(self._everything)
            return
        for channel, claim in claims:
            if claim.next_due is None:
                self._next_due.pop(channel.name, None)
            else:
                self._next_due[channel.name] = claim.next_due
            if claim.backlog:
                self._backlogs.add(channel.name)
            else:
                self._backlogs.discard(channel.name)

    async def _claim(
        self, room: int, looked_at: set[str]
    ) -> list[tuple[AnyChannel, Claim[Any]]] | None:
        """The claims of the channels named `looked_at`, in one transaction; the channels take
        turns at coming first, so that a backlog in one cannot keep the others waiting for
        room."""
        self._channels.append(self._channels.pop(0))
        limit = min(room, self._limits.batch)
        asked = [channel for channel in self._channels if channel.name in looked_at]
        if not asked:
            return []

        def claim_in_a_transaction(session: direct.Unit) -> list[tuple[AnyChannel, Claim[Any]]]:
            claims: list[tuple[AnyChannel, Claim[Any]]] = []
            left = limit
            for channel in asked:
                if left <= 0:
                    claims.append((channel, Claim([], backlog=True, next_due=None)))
                    continue
                claim = channel.claim(
                    session,
                    now=self._clock(),
                    lease_seconds=self._limits.lease_seconds,
                    limit=left,
                    room=self._room(channel),
                    cap=self._claim_cap(channel),
                )
                left -= len(claim.claimed)
                claims.append((channel, claim))
            return claims

        try:
            # Not durable: a claim waits for no disk sync before its sends go out, and a claim
            # a crash loses only leaves its rows due again, sent at least once as ever.
            return await self._database.awaited_directly(
                claim_in_a_transaction, durable=False, at_once=self._at_once
            )
        except Exception:
            log.exception("claiming deliveries failed; retrying shortly")
            await asyncio.sleep(1)
            return None

    def _claim_cap(self, channel: AnyChannel) -> int:
        return 2 * self._group_caps[channel.name]  # a group's sends, and as many queued

    def _room(self, channel: AnyChannel) -> dict[str, int]:
        cap = self._claim_cap(channel)
        held = self._held_per_group.items()
        return {g: cap - n for (name, g), n in held if name == channel.name}

    def _hold(self, held: _Held) -> None:
        self._held[held.key] = held
        self._held_per_group[held.group] += 1
        if self._started_per_group[held.group] < self._group_caps[held.channel.name]:
            self._ready(held)
        else:
            self._queued[held.group].append(held)

    def _ready(self, held: _Held) -> None:
        self._started_per_group[held.group] += 1
        self._to_send.put_nowait(held)

    def _let_go(self, held: _Held) -> None:
        """`held` was sent or handed back: its group's next queued row becomes ready."""
        del self._held[held.key]
        group = held.group
        _count_down(self._held_per_group, group)
        _count_down(self._started_per_group, group)
        queued = self._queued.get(group)
        if queued:
            self._ready(queued.popleft())
            if not queued:
                del self._queued[group]
        if not self._held:
            self._all_sent.set()
        if self._backlogs:
            self._look_at(self._backlogs)

    async def _sender(self) -> None:
        """One of the `concurrency` senders: a fixed pool, rather than a task per delivery,
        since creating and tracking a task costs about as much as preparing a request."""
        while True:
            held = await self._to_send.get()
            if self._clock() - held.claimed_at > self._limits.start_within:
                self._hand_back(held)
                continue
            try:
                await self._send(held)
            except Exception:  # a channel answers rather than raises; a bug must not stop a sender
                log.exception("sending failed unexpectedly", channel=held.key[0], id=held.key[1])

    def _hand_back(self, held: _Held) -> None:
        self._let_go(held)
        self._to_release.append(held)
        self._finished_ready.set()  # the recorder releases it

    async def _send(self, held: _Held) -> None:
        channel, item = held.channel, held.item
        self._meter.sends_started(1)
        started = self._clock()
        try:
            result = await channel.send(item, now=started)
            self._finished.append((channel, Finished(item, result, started)))
            self._finished_ready.set()
            if len(self._finished) >= self._limits.batch:
                self._record_now.set()
        finally:
            self._meter.send_ended()
            self._let_go(held)

    async def _record_loop(self) -> None:
        while not self._closing:
            await self._finished_ready.wait()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._record_now.wait(), RECORD_LINGER)
            self._record_now.clear()
            self._finished_ready.clear()
            if await self._record_finished():
                self._look_at(self._everything)  # rows may fall due before the next poll

    async def _record_finished(self) -> bool:
        """Release what was handed back, and record what finished, a transaction per channel;
        True when rows are due again (handed back) or a retry was scheduled."""
        handed_back, self._to_release = self._to_release, []
        if handed_back:
            await self._release_safely(handed_back)
        batch, self._finished = self._finished, []
        by_channel: defaultdict[AnyChannel, list[Finished[Any, Any]]] = defaultdict(list)
        for channel, finished in batch:
            by_channel[channel].append(finished)
        retrying = False
        for channel, items in by_channel.items():
            retrying = await self._record(channel, items) or retrying
        return retrying or bool(handed_back)

    async def _record(self, channel: AnyChannel, batch: list[Finished[Any, Any]]) -> bool:
        def record_in_a_transaction(session: Session) -> list[tuple[Finished[Any, Any], Verdict]]:
            return channel.record(session, batch, now=self._clock(), rng=self._rng)

        try:
            recorded = await self._database.awaited(record_in_a_transaction, at_once=self._at_once)
        except Exception:
            # The leases expire and the rows are sent again: at least once, never lost.
            log.exception("recording attempts failed", channel=channel.name, attempts=len(batch))
            return False
        # Counted once committed: an attempt whose record was lost is made, and counted, again.
        if recorded:
            self._meter.attempts_recorded(
                channel.name,
                [(verdict, finished.result.duration_ms / 1000) for finished, verdict in recorded],
            )
        return any(verdict is Verdict.RETRY for _finished, verdict in recorded)

    async def _shut_down(
        self, senders: list[asyncio.Task[None]], helpers: list[asyncio.Task[None]]
    ) -> None:
        unstarted = self._unqueue_all()
        if unstarted:  # due again at once for other dispatchers, not after the sends in flight
            await self._release_safely(unstarted)
        if self._held:
            self._all_sent.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._all_sent.wait(), self._limits.shutdown_timeout)
        unfinished = list(self._held.values())
        for sender in senders:
            sender.cancel()
        await asyncio.gather(*senders, return_exceptions=True)
        recorder, *others = helpers
        for helper in others:
            helper.cancel()
        self._closing = True
        self._finished_ready.set()  # the recorder records what is left, then ends
        self._record_now.set()
        await asyncio.gather(recorder, *others, return_exceptions=True)
        await self._record_finished()
        if unfinished:
            await self._release_safely(unfinished)

    def _unqueue_all(self) -> list[_Held]:
        """Every claimed row not being sent yet, taken out of the queues: to be handed back."""
        unstarted = []
        while not self._to_send.empty():
            unstarted.append(self._to_send.get_nowait())
        for queued in self._queued.values():
            unstarted.extend(queued)
        self._queued.clear()
        for held in unstarted:
            del self._held[held.key]
        return unstarted

    async def _release_safely(self, unsent: list[_Held]) -> None:
        try:
            await self._database.awaited(
                lambda session: self._release(session, unsent), at_once=self._at_once
            )
        except Exception:
            # Their leases expire and the rows fall due again by themselves.
            log.exception("handing back leases failed", rows=len(unsent))

    def _release(self, session: Session, unfinished: list[_Held]) -> None:
        leases: defaultdict[AnyChannel, dict[str, str]] = defaultdict(dict)
        for held in unfinished:
            leases[held.channel][held.item.id] = held.item.lease_token
        for channel, of_channel in leases.items():
            channel.release(session, leases=of_channel, now=self._clock())


def _count_down(counts: Counter[tuple[str, str]], group: tuple[str, str]) -> None:
    counts[group] -= 1
    if counts[group] <= 0:
        del counts[group]


def _sleep_until(next_due: float | None, now: float) -> float:
    if next_due is None:
        return IDLE_POLL
    return min(max(next_due - now, MIN_POLL), IDLE_POLL)


async def _first_of(wake: asyncio.Event, stop: asyncio.Event, *, timeout: float) -> None:
    waiters = [asyncio.create_task(wake.wait()), asyncio.create_task(stop.wait())]
    with contextlib.suppress(TimeoutError):
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    for waiter in waiters:
        waiter.cancel()

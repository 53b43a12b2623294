"""The dispatcher: claim due deliveries, send them concurrently, record the attempts.

Its life: `run(stop)` loops until `stop` is set. It wakes at once when a commit queues deliveries
(an in-process signal, and LISTEN/NOTIFY on PostgreSQL), else when the next retry falls due. At
most `dispatcher_concurrency` sends are in flight, at most `endpoint_concurrency` per endpoint, so a
slow endpoint cannot hold up the others. No transaction is open while a request is in flight. On
stop it claims nothing more, lets sends in flight finish within `shutdown_timeout`, hands back the
leases of the rest, records everything, and returns.
"""

import asyncio
import contextlib
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import structlog

from hookdesk.db import Database
from hookdesk.webhooks.dispatch import claim as claiming
from hookdesk.webhooks.dispatch.notify import listen_for_wakeups
from hookdesk.webhooks.dispatch.prepare import Preparer
from hookdesk.webhooks.dispatch.record import Finished, Policy, record
from hookdesk.webhooks.dispatch.retry import Verdict
from hookdesk.webhooks.dispatch.sender import Result, Sender

log = structlog.get_logger("hookdesk.dispatcher")

IDLE_POLL = 2.0  # seconds between looks for due retries when nothing wakes the dispatcher
MIN_POLL = 0.01


class Meter(Protocol):
    """What the dispatcher reports as it goes (operations/instruments.py counts it for /metrics)."""

    def send_started(self) -> None: ...

    def send_ended(self) -> None: ...

    def attempt_recorded(self, verdict: Verdict, seconds: float) -> None: ...


class Unmetered:
    """A `Meter` that counts nothing."""

    def send_started(self) -> None:
        pass

    def send_ended(self) -> None:
        pass

    def attempt_recorded(self, verdict: Verdict, seconds: float) -> None:
        pass


@dataclass(frozen=True)
class DispatchLimits:
    concurrency: int
    endpoint_concurrency: int
    batch: int
    lease_seconds: float
    shutdown_timeout: float


class Dispatcher:
    def __init__(
        self,
        database: Database,
        sender: Sender,
        preparer: Preparer,
        *,
        policy: Policy,
        limits: DispatchLimits,
        meter: Meter | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`sender` makes the HTTP calls and `clock` tells the time (Unix seconds) of claims,
        attempts and retries: tests hand in fakes of both."""
        self._database = database
        self._sender = sender
        self._preparer = preparer
        self._policy = policy
        self._limits = limits
        self._meter = meter or Unmetered()
        self._clock = clock
        self._rng = random.Random()
        self._wake = asyncio.Event()
        self._in_flight: dict[str, tuple[asyncio.Task[None], claiming.Claimed]] = {}
        self._per_endpoint: Counter[str] = Counter()
        self._finished: list[Finished] = []
        self._finished_ready = asyncio.Event()
        self._closing = False
        self._backlog = False
        self._running = False

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

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

        def wake_from_any_thread() -> None:
            loop.call_soon_threadsafe(self._wake.set)

        self._database.add_wakeup_listener(wake_from_any_thread)
        helpers = [asyncio.create_task(self._record_loop())]
        if not self._database.is_sqlite:
            helpers.append(asyncio.create_task(listen_for_wakeups(self._database.url, self._wake)))
        try:
            await self._claim_loop(stop)
        finally:
            self._database.remove_wakeup_listener(wake_from_any_thread)
            await self._shut_down(helpers)

    async def _claim_loop(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self._wake.clear()
            room = self._limits.concurrency - len(self._in_flight)
            result = await self._claim(min(room, self._limits.batch)) if room > 0 else None
            for item in result.claimed if result else []:
                self._start(item)
            # With due deliveries left for want of room, a finishing send is worth a new claim.
            self._backlog = result is None or result.backlog
            if result and result.claimed and len(result.claimed) == min(room, self._limits.batch):
                continue  # more may be due right now
            next_due = result.next_due if result else None
            await _first_of(self._wake, stop, timeout=_sleep_until(next_due, self._clock()))

    async def _claim(self, limit: int) -> claiming.Claim | None:
        room = {e: self._limits.endpoint_concurrency - n for e, n in self._per_endpoint.items()}

        def claim_in_a_transaction() -> claiming.Claim:
            with self._database.transaction() as session:
                return claiming.claim(
                    session,
                    now=self._clock(),
                    lease_seconds=self._limits.lease_seconds,
                    limit=limit,
                    endpoint_room=room,
                    endpoint_cap=self._limits.endpoint_concurrency,
                )

        try:
            return await asyncio.to_thread(claim_in_a_transaction)
        except Exception:
            log.exception("claiming deliveries failed; retrying shortly")
            await asyncio.sleep(1)
            return None

    def _start(self, item: claiming.Claimed) -> None:
        self._per_endpoint[item.endpoint_id] += 1
        task = asyncio.create_task(self._send(item))
        self._in_flight[item.delivery_id] = (task, item)
        self._meter.send_started()

    async def _send(self, item: claiming.Claimed) -> None:
        started = self._clock()
        try:
            try:
                request = self._preparer.request(item, now=started)
            except ValueError as error:  # e.g. a secret that the server key cannot open
                result = Result(None, 0, error=f"could not prepare the request: {error}")
            else:
                result = await self._sender.send(request)
            self._finished.append(Finished(item, result, started))
            self._finished_ready.set()
        finally:
            del self._in_flight[item.delivery_id]
            self._meter.send_ended()
            self._per_endpoint[item.endpoint_id] -= 1
            if self._per_endpoint[item.endpoint_id] <= 0:
                del self._per_endpoint[item.endpoint_id]
            if self._backlog:
                self._wake.set()

    async def _record_loop(self) -> None:
        while not self._closing:
            await self._finished_ready.wait()
            self._finished_ready.clear()
            if await self._record_finished():
                self._wake.set()  # a retry just scheduled may fall due before the next poll

    async def _record_finished(self) -> bool:
        """Record what finished; True when a retry was scheduled."""
        batch, self._finished = self._finished, []
        if not batch:
            return False

        def record_in_a_transaction() -> list[tuple[Finished, Verdict]]:
            with self._database.transaction() as session:
                return record(session, batch, policy=self._policy, now=self._clock(), rng=self._rng)

        try:
            recorded = await asyncio.to_thread(record_in_a_transaction)
        except Exception:
            # The leases expire and the deliveries are sent again: at least once, never lost.
            log.exception("recording attempts failed", attempts=len(batch))
            return False
        # Counted once committed: an attempt whose record was lost is made, and counted, again.
        for finished, verdict in recorded:
            self._meter.attempt_recorded(verdict, finished.result.duration_ms / 1000)
        return any(verdict is Verdict.RETRY for _finished, verdict in recorded)

    async def _shut_down(self, helpers: list[asyncio.Task[None]]) -> None:
        tasks = [task for task, _ in self._in_flight.values()]
        if tasks:
            await asyncio.wait(tasks, timeout=self._limits.shutdown_timeout)
        unfinished = {d: item.lease_token for d, (_task, item) in self._in_flight.items()}
        for task, _ in list(self._in_flight.values()):
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        recorder, *others = helpers
        for helper in others:
            helper.cancel()
        self._closing = True
        self._finished_ready.set()  # the recorder records what is left, then ends
        await asyncio.gather(recorder, *others, return_exceptions=True)
        await self._record_finished()
        if unfinished:
            await asyncio.to_thread(self._release, unfinished)

    def _release(self, leases: dict[str, str]) -> None:
        with self._database.transaction() as session:
            claiming.release(session, leases=leases, now=self._clock())


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

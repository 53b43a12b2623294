"""One parent over several processes: it starts them, starts again one that dies, and stops them
all together.

    parent ── start every child
       │
       ├─ a child exits while the parent runs ──► log it, start another in its place
       │                                          (after 0.5 s, doubling up to 30 s while
       │                                           children die within 5 s of starting)
       ├─ SIGTERM or SIGINT (Ctrl-C) ───────────► SIGTERM to every child; each has the
       │                                          shutdown timeout to finish what it is doing,
       │                                          then SIGKILL
       └─ every child gone ─────────────────────► return

Children are started with the "spawn" method: each is a fresh interpreter, so none inherits the
parent's threads, locks or open database connections. The parent sleeps on the children's
sentinels and a self-pipe that the signal handlers write to, so it costs nothing while all is well.
"""

import multiprocessing
import os
import signal
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

import structlog

log = structlog.get_logger("hookdesk")

FIRST_RESTART_DELAY = 0.5  # seconds before a dead child's place is filled
MAX_RESTART_DELAY = 30.0
SHORT_LIFE = 5.0  # a child that dies sooner than this doubles the next delay
_spawn = multiprocessing.get_context("spawn")


@dataclass(frozen=True)
class Child:
    """What to run in one child process: `target(*args)`, named `role` in the logs."""

    role: str
    target: Callable[..., object]
    args: tuple[Any, ...] = ()


@dataclass
class _Slot:
    child: Child
    process: BaseProcess | None = None
    started_at: float = 0.0
    delay: float = FIRST_RESTART_DELAY
    restart_at: float | None = None  # when an empty slot is filled again

    def start(self) -> None:
        self.process = _spawn.Process(
            target=self.child.target, args=self.child.args, name=f"hookdesk-{self.child.role}"
        )
        self.process.start()
        self.started_at = time.monotonic()
        self.restart_at = None
        log.info("process started", role=self.child.role, pid=self.process.pid)

    def reap(self) -> int:
        """The child has exited: log how, plan its replacement, and give its pid."""
        assert self.process is not None
        self.process.join()  # its sentinel is ready: this returns at once, with the exit code
        pid = self.process.pid or 0
        lived = time.monotonic() - self.started_at
        log.warning(
            "process exited; starting another in its place",
            role=self.child.role,
            pid=pid,
            exit=_how_it_ended(self.process.exitcode),
            lived_seconds=round(lived, 1),
        )
        self.process.close()
        self.process = None
        self.delay = (
            min(self.delay * 2, MAX_RESTART_DELAY) if lived < SHORT_LIFE else FIRST_RESTART_DELAY
        )
        self.restart_at = time.monotonic() + self.delay
        return pid


@dataclass
class Supervisor:
    children: list[Child]
    shutdown_timeout: float
    exited: Callable[[int], None] = lambda _pid: None  # told each child's pid once it is gone
    _slots: list[_Slot] = field(default_factory=list)

    def run(self) -> None:
        """Until SIGTERM or SIGINT, then until every child has stopped."""
        self._slots = [_Slot(child) for child in self.children]
        with _signals_to_pipe() as wakeup:
            for slot in self._slots:
                slot.start()
            while not _stopping(wakeup):
                self._watch(wakeup)
        self._stop_all()

    def _watch(self, wakeup: socket.socket) -> None:
        """Sleep until a child exits, a signal arrives or a slot is due to be filled."""
        running = {slot.process.sentinel: slot for slot in self._slots if slot.process}
        due = [slot.restart_at for slot in self._slots if slot.restart_at is not None]
        timeout = max(0.0, min(due) - time.monotonic()) if due else None
        ready = wait([wakeup, *running], timeout)
        if _stopping(wakeup):
            return  # a child that exited with the signal is not replaced
        for sentinel in ready:
            slot = running[sentinel]  # type: ignore[index]
            self.exited(slot.reap())
        now = time.monotonic()
        for slot in self._slots:
            if slot.restart_at is not None and slot.restart_at <= now:
                slot.start()

    def _stop_all(self) -> None:
        alive = [slot.process for slot in self._slots if slot.process and slot.process.is_alive()]
        log.info("stopping", processes=len(alive), timeout_seconds=self.shutdown_timeout)
        for process in alive:
            _signal(process, signal.SIGTERM)
        deadline = time.monotonic() + self.shutdown_timeout
        for process in alive:
            process.join(max(0.0, deadline - time.monotonic()))
        for process in alive:
            if process.is_alive():
                log.warning("process did not stop in time; killing it", pid=process.pid)
                _signal(process, signal.SIGKILL)
                process.join()


def _how_it_ended(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        return signal.Signals(-exitcode).name
    return f"code {exitcode}"


def _signal(process: BaseProcess, number: signal.Signals) -> None:
    if process.pid is not None:
        with suppress(ProcessLookupError):
            os.kill(process.pid, number)


@contextmanager
def _signals_to_pipe() -> Iterator[socket.socket]:
    """SIGTERM and SIGINT write a byte to a socket the parent's `wait` watches."""
    reader, writer = socket.socketpair()
    writer.setblocking(False)
    reader.setblocking(False)

    def note(_number: int, _frame: FrameType | None) -> None:
        pass  # the wake-up fd carries the signal; the handler only keeps Python from raising

    previous = {number: signal.signal(number, note) for number in (signal.SIGTERM, signal.SIGINT)}
    previous_fd = signal.set_wakeup_fd(writer.fileno())
    try:
        yield reader
    finally:
        signal.set_wakeup_fd(previous_fd)
        for number, handler in previous.items():
            signal.signal(number, handler)
        reader.close()
        writer.close()


def _stopping(wakeup: socket.socket) -> bool:
    """Whether a stop signal has arrived (left unread, so that every later look sees it too)."""
    try:
        return bool(wakeup.recv(1, socket.MSG_PEEK))
    except BlockingIOError:
        return False

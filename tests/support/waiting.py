"""The one way tests wait for something that happens elsewhere (a thread, a process, a server)."""

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(
    look: Callable[[], T],
    done: Callable[[T], bool] = bool,
    what: str = "the condition",
    timeout: float = 20,
    every: float = 0.05,
) -> T:
    """Look again until `done` holds of what was seen (by default: it is truthy); what was seen.
    Fails after `timeout` seconds, saying what it waited for and what it saw last."""
    deadline = time.monotonic() + timeout
    while True:
        seen = look()
        if done(seen):
            return seen
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {what}; last seen: {seen!r}")
        time.sleep(every)

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_for(look: Callable[[], T], done: Callable[[T], bool], what: str, timeout: float = 20) -> T:
    """Look again until `done` holds of what was seen, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        seen = look()
        if done(seen):
            return seen
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {what}; last seen: {seen!r}")
        time.sleep(0.05)

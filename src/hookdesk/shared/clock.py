import time


def now() -> int:
    """Unix seconds: the unit of every time hookdesk stores and shows."""
    return int(time.time())

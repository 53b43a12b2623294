"""Ages as people write them on the command line: `30d`, `12h`, `90m`, `45s` or plain seconds."""

import re

_UNITS = {"d": 86_400, "h": 3_600, "m": 60, "s": 1, "": 1}
_AGE = re.compile(r"^(\d+(?:\.\d+)?)([dhms]?)$")
LONGEST = 100 * 365 * 86_400  # a century: anything beyond is a typing mistake


def parse_age(text: str) -> float:
    """Seconds; a ValueError with a sentence naming the expected forms otherwise."""
    found = _AGE.match(text.strip().lower())
    if found is None:
        raise ValueError(
            f"'{text}' is not an age: use days, hours, minutes or seconds, "
            "e.g. 30d, 12h, 90m or 3600"
        )
    seconds = float(found.group(1)) * _UNITS[found.group(2)]
    if not 0 < seconds <= LONGEST:
        raise ValueError(f"'{text}' is out of range: more than 0 and at most 100 years")
    return seconds


def describe(seconds: float) -> str:
    """The largest whole unit: `30 days`, `12 hours`, `90 minutes`, `45 seconds`."""
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = int(seconds // size)
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds:g} seconds"

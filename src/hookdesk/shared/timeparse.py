from datetime import UTC, datetime

# Years 1 to 9999, as ISO 8601 has them; anything beyond is a mistake, not a time.
EARLIEST, LATEST = -62_135_596_800, 253_402_300_799


def parse_time(value: str) -> int:
    """Unix seconds from either Unix seconds or ISO 8601 (a time without an offset is UTC)."""
    text = value.strip()
    if text.lstrip("-").isdigit():
        seconds = int(text)
        if not EARLIEST <= seconds <= LATEST:
            raise ValueError(f"'{value}' is out of range for a time in Unix seconds")
        return seconds
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"'{value}' is neither Unix seconds nor an ISO 8601 time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())

from datetime import UTC, datetime

# Years 1 to 9999, as ISO 8601 has them; anything beyond is a mistake, not a time.
EARLIEST, LATEST = -62_135_596_800, 253_402_300_799
MAX_DIGITS = 12  # the most Unix seconds within that range have


def parse_time(value: str) -> int:
    """Unix seconds from either Unix seconds or ISO 8601 (a time without an offset is UTC)."""
    text = value.strip()
    digits = text.removeprefix("-")
    # ASCII digits only: str.isdigit() takes '²' too, which int() then refuses.
    if digits.isascii() and digits.isdigit():
        if len(digits) > MAX_DIGITS or not EARLIEST <= int(text) <= LATEST:
            raise ValueError(f"'{value}' is out of range for a time in Unix seconds")
        return int(text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"'{value}' is neither Unix seconds nor an ISO 8601 time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())

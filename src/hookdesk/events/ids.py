import secrets
import string

ALPHABET = string.digits + string.ascii_lowercase
PREFIX = "whev_"
LENGTH = 17  # 36**17 is about 2**88: random enough to never repeat


def new_event_id() -> str:
    return PREFIX + "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def is_event_id(value: str) -> bool:
    body = value.removeprefix(PREFIX)
    return value.startswith(PREFIX) and len(body) == LENGTH and all(c in ALPHABET for c in body)

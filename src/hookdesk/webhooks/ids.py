import hashlib
import secrets
import string

ALPHABET = string.digits + string.ascii_lowercase
PREFIX = "whev_"
LENGTH = 17  # 36**17 is about 2**88: random enough to never repeat


def new_webhook_event_id() -> str:
    return PREFIX + "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def is_webhook_event_id(value: str) -> bool:
    body = value.removeprefix(PREFIX)
    return value.startswith(PREFIX) and len(body) == LENGTH and all(c in ALPHABET for c in body)


def stream_event_id(session_id: str, event_seq: int) -> str:
    """The event id of a change streamed to a `hookdesk listen` session: the same on every
    reconnection of that session, so the app listened for can de-duplicate as usual."""
    digest = hashlib.sha256(f"{session_id}:{event_seq}".encode()).digest()
    number = int.from_bytes(digest[:12], "big")
    characters = []
    for _ in range(LENGTH):
        number, index = divmod(number, len(ALPHABET))
        characters.append(ALPHABET[index])
    return PREFIX + "".join(characters)

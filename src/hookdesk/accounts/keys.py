"""API keys: `hk_<16 hex key id>_<43 url-safe chars of 32 random bytes>`.

The key id finds the row; the secret is compared by hash in constant time. The secret has 256 bits
of entropy, so a plain SHA-256 is enough (a slow password hash protects guessable secrets only).
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass

PREFIX = "hk_"
KEY_ID_LENGTH = 16
PREFIX_LENGTH = 8  # how much of a key its listing shows: "hk_" and 5 characters of the key id
# Compared against when the key id is unknown, so both failures take the same time.
_DUMMY_HASH = hashlib.sha256(b"hookdesk-unknown-key").hexdigest()


@dataclass(frozen=True)
class NewKey:
    key_id: str
    secret_hash: str
    plaintext: str


@dataclass(frozen=True)
class PresentedKey:
    key_id: str
    secret: str


def generate() -> NewKey:
    key_id = secrets.token_hex(KEY_ID_LENGTH // 2)
    secret = secrets.token_urlsafe(32)
    return NewKey(key_id, hash_secret(secret), f"{PREFIX}{key_id}_{secret}")


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse(plaintext: str) -> PresentedKey | None:
    if not plaintext.startswith(PREFIX):
        return None
    # The key id is hex, so the first "_" after the prefix ends it; the secret may hold more "_".
    key_id, _, secret = plaintext[len(PREFIX) :].partition("_")
    if len(key_id) != KEY_ID_LENGTH or not secret:
        return None
    return PresentedKey(key_id, secret)


def matches(presented: PresentedKey, stored_hash: str | None) -> bool:
    expected = stored_hash if stored_hash is not None else _DUMMY_HASH
    equal = hmac.compare_digest(hash_secret(presented.secret), expected)
    return equal and stored_hash is not None

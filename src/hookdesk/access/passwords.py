"""Passwords of the web console, hashed with argon2id (argon2-cffi's recommended parameters)."""

import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
MAX_LENGTH = 200

_hasher = PasswordHasher()
# How many hashes this process computes at once. Each takes tens of milliseconds of every core
# (argon2 runs `parallelism` threads): a burst of sign-ins beyond this waits its turn instead of
# taking the CPU from every other request.
MAX_CONCURRENT_HASHES = 2
_hashing = threading.BoundedSemaphore(MAX_CONCURRENT_HASHES)


def hash_password(password: str) -> str:
    with _hashing:
        return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        with _hashing:
            return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def problem_with(password: str) -> str | None:
    """Why this password is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    return None

"""The API keys this process has already checked against the database, on SQLite: a request
signed with one is let in with neither a query nor a worker thread.

On SQLite hookdesk is one process (`serve --workers` above 1 is refused), so every revocation
goes through this process: once one commits, the whole cache is forgotten, and the next request
with the revoked key reads it again and is refused. On PostgreSQL several processes may serve one
database and a revocation in one must hold for the next request to any, so nothing is kept there.

A generation counts the revocations: an entry is good only for the generation it was read in,
and a reader notes the generation before it reads the key, so a read that crossed a revocation's
commit is never kept as good.
"""

import threading
from dataclasses import dataclass, replace

from sqlalchemy import event
from sqlalchemy.orm import Session

from hookdesk.accounts import keys
from hookdesk.accounts.service import KeyHolder


@dataclass(frozen=True)
class _Known:
    generation: int
    secret_hash: str
    holder: KeyHolder


class _KnownKeys:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.generation = 0
        self.known: dict[tuple[str, str], _Known] = {}  # (database URL, key id) -> as read


_keys = _KnownKeys()


def generation() -> int:
    """Note it before reading a key, and hand it to `remember` with what was read."""
    return _keys.generation


def found(database_url: str, plaintext: str) -> KeyHolder | None:
    """The holder of this key if it was checked since the last revocation, else None (also for a
    wrong secret: the database then has the last word)."""
    presented = keys.parse(plaintext)
    if presented is None:
        return None
    known = _keys.known.get((database_url, presented.key_id))
    if known is None or known.generation != _keys.generation:
        return None
    return known.holder if keys.matches(presented, known.secret_hash) else None


def remember(database_url: str, read_in: int, plaintext: str, holder: KeyHolder) -> None:
    """`plaintext` was found good for `holder` by a read begun in generation `read_in`."""
    presented = keys.parse(plaintext)
    if presented is None:
        return
    secret_hash = keys.hash_secret(presented.secret)
    with _keys.lock:
        if read_in == _keys.generation:
            _keys.known[(database_url, holder.key_id)] = _Known(read_in, secret_hash, holder)


def used(database_url: str, holder: KeyHolder, at: int) -> None:
    """The key's `last_used_at` was just written."""
    with _keys.lock:
        known = _keys.known.get((database_url, holder.key_id))
        if known is not None:
            _keys.known[(database_url, holder.key_id)] = replace(
                known, holder=replace(known.holder, last_used_at=at)
            )


def forget_after_commit(session: Session) -> None:
    """A key of the session's transaction was revoked: once it commits, no key is known."""
    event.listen(session, "after_commit", _forget_all, once=True)


def _forget_all(_session: Session) -> None:
    with _keys.lock:
        _keys.generation += 1
        _keys.known.clear()

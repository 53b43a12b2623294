from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import Session

from hookdesk.accounts import keys
from hookdesk.errors import ErrorCode, Unauthorized
from hookdesk.models.accounts import Account, ApiKey
from hookdesk.shared.clock import now
from hookdesk.shared.ids import new_id

FIRST_KEY_NAME = "Default"


@dataclass(frozen=True)
class CreatedAccount:
    account_id: str
    api_key: str


@dataclass(frozen=True)
class KeyHolder:
    """Who signed a request: the account, and which of its API keys."""

    account_id: str
    key_id: str
    last_used_at: int | None = None


def create(session: Session, *, name: str) -> CreatedAccount:
    account = Account(id=new_id(), name=name, created_at=now())
    session.add(account)
    session.flush()
    key = create_api_key(session, account_id=account.id, name=FIRST_KEY_NAME)
    return CreatedAccount(account.id, key.plaintext)


@dataclass(frozen=True)
class CreatedKey:
    row: ApiKey
    plaintext: str  # shown once; only its hash is stored


def create_api_key(session: Session, *, account_id: str, name: str) -> CreatedKey:
    key = keys.generate()
    row = ApiKey(
        id=key.key_id,
        public_id=new_id(),
        account_id=account_id,
        name=name,
        secret_hash=key.secret_hash,
        created_at=now(),
    )
    session.add(row)
    return CreatedKey(row, key.plaintext)


_API_KEY = select(
    ApiKey.secret_hash, ApiKey.account_id, ApiKey.revoked_at, ApiKey.last_used_at
).where(ApiKey.id == bindparam("key_id"))


def authenticate(session: Session, *, plaintext: str) -> KeyHolder | None:
    """The account that owns this API key, or None; a revoked key is refused with its own code."""
    presented = keys.parse(plaintext)
    if presented is None:
        return None
    row = session.execute(_API_KEY, {"key_id": presented.key_id}).one_or_none()
    return holder_of(presented, row)


class KeyRead(Protocol):
    """What `holder_of` reads of an API key's row."""

    @property
    def secret_hash(self) -> str: ...
    @property
    def account_id(self) -> str: ...
    @property
    def revoked_at(self) -> int | None: ...
    @property
    def last_used_at(self) -> int | None: ...


def holder_of(presented: keys.PresentedKey, row: KeyRead | None) -> KeyHolder | None:
    """The holder of the key `row` read (its `secret_hash`, `account_id`, `revoked_at` and
    `last_used_at`), if the presented key is that key; a revoked key is refused."""
    # Compared even for an unknown key id, so that both failures take the same time.
    if not keys.matches(presented, row.secret_hash if row else None) or row is None:
        return None
    if row.revoked_at is not None:
        raise Unauthorized(
            "This API key was revoked: use another key of the account.",
            code=ErrorCode.API_KEY_REVOKED,
        )
    return KeyHolder(row.account_id, presented.key_id, row.last_used_at)


def any_exists(session: Session) -> bool:
    return bool(session.scalar(select(exists().where(Account.id.is_not(None)))))

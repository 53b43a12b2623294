from dataclasses import dataclass

from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import Session

from hookdesk.accounts import keys
from hookdesk.accounts.models import Account, ApiKey
from hookdesk.shared.clock import now
from hookdesk.shared.ids import new_id


@dataclass(frozen=True)
class CreatedAccount:
    account_id: str
    api_key: str


@dataclass(frozen=True)
class KeyHolder:
    """Who signed a request: the account, and which of its API keys."""

    account_id: str
    key_id: str


def create(session: Session, *, name: str) -> CreatedAccount:
    account = Account(id=new_id(), name=name, created_at=now())
    session.add(account)
    session.flush()
    return CreatedAccount(account.id, create_api_key(session, account_id=account.id))


def create_api_key(session: Session, *, account_id: str) -> str:
    key = keys.generate()
    session.add(
        ApiKey(id=key.key_id, account_id=account_id, secret_hash=key.secret_hash, created_at=now())
    )
    return key.plaintext


_API_KEY = select(ApiKey.secret_hash, ApiKey.account_id).where(ApiKey.id == bindparam("key_id"))


def authenticate(session: Session, *, plaintext: str) -> KeyHolder | None:
    """The account that owns this API key, or None."""
    presented = keys.parse(plaintext)
    if presented is None:
        return None
    row = session.execute(_API_KEY, {"key_id": presented.key_id}).one_or_none()
    stored_hash, account_id = (row[0], row[1]) if row else (None, None)
    # Compared even for an unknown key id, so that both failures take the same time.
    if not keys.matches(presented, stored_hash) or account_id is None:
        return None
    return KeyHolder(account_id, presented.key_id)


def any_exists(session: Session) -> bool:
    return bool(session.scalar(select(exists().where(Account.id.is_not(None)))))

"""An account's API keys: listed, created (the key shown once), revoked, and when last used."""

from collections.abc import Sequence

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session

from hookdesk.accounts import known_keys, service
from hookdesk.accounts.service import CreatedKey, KeyHolder
from hookdesk.errors import BadRequest, ErrorCode, NotFound
from hookdesk.models.accounts import ApiKey
from hookdesk.shared.clock import now
from hookdesk.shared.ids import parse_uuid
from hookdesk.shared.paging import Page
from hookdesk.shared.queries import paginate

# `last_used_at` is this many seconds precise at worst: a key in use is written once a minute,
# not on every request (a write per request would queue every read behind SQLite's one writer).
LAST_USED_PRECISION = 60


def list_page(session: Session, *, account_id: str, page: Page) -> tuple[int, Sequence[ApiKey]]:
    statement = (
        select(ApiKey)
        .where(ApiKey.account_id == account_id)
        .order_by(ApiKey.created_at.desc(), ApiKey.public_id)
    )
    return paginate(session, statement, page)


def create(session: Session, *, account_id: str, name: str) -> CreatedKey:
    created = service.create_api_key(session, account_id=account_id, name=name)
    session.flush()
    return created


def revoke(session: Session, *, account_id: str, api_key_id: str) -> ApiKey:
    """Revoke the key (again: no change); the account's last active key cannot be revoked."""
    key = _find(session, account_id, api_key_id)
    if key.revoked_at is not None:
        return key
    # Locked, so that two keys revoking each other at once cannot both succeed.
    active = session.scalars(
        select(ApiKey.id)
        .where(ApiKey.account_id == account_id, ApiKey.revoked_at.is_(None))
        .with_for_update()
    ).all()
    if len(active) <= 1:
        raise BadRequest(
            f"API key '{api_key_id}' is the account's only active key: create another key "
            "before revoking this one.",
            code=ErrorCode.LAST_ACTIVE_API_KEY,
        )
    key.revoked_at = now()
    known_keys.forget_after_commit(session)
    return key


def is_stale(key: KeyHolder) -> bool:
    """Whether this request should write the key's `last_used_at`."""
    return key.last_used_at is None or key.last_used_at <= now() - LAST_USED_PRECISION


_MARK_USED = (
    update(ApiKey)
    .where(
        ApiKey.id == bindparam("used_key_id"),
        ApiKey.account_id == bindparam("owner_id"),
        or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at <= bindparam("stale_before")),
    )
    .values(last_used_at=bindparam("used_at"))
)


def mark_used(session: Session, *, account_id: str, key_id: str) -> int:
    """One conditional UPDATE: of concurrent requests with the same key, one writes. The time
    written."""
    used_at = now()
    stale_before = used_at - LAST_USED_PRECISION
    session.execute(
        _MARK_USED,
        {
            "used_key_id": key_id,
            "owner_id": account_id,
            "stale_before": stale_before,
            "used_at": used_at,
        },
    )
    return used_at


def _find(session: Session, account_id: str, api_key_id: str) -> ApiKey:
    public_id = parse_uuid(api_key_id)
    key = None
    if public_id is not None:
        key = session.scalar(
            select(ApiKey)
            .where(ApiKey.account_id == account_id, ApiKey.public_id == public_id)
            .with_for_update()
        )
    if key is None:
        raise NotFound.of("API key", api_key_id)
    return key

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from hookdesk.db.base import Owned
from hookdesk.errors import BadRequest, ErrorCode, NotFound
from hookdesk.models.teammates import Teammate
from hookdesk.shared.ids import parse_uuid
from hookdesk.shared.paging import Page

OwnedRow = TypeVar("OwnedRow", bound=Owned)


def find_owned(
    session: Session,
    model: type[OwnedRow],
    *,
    account_id: str,
    object_id: str,
    for_update: bool = False,
    key_share: bool = False,
) -> OwnedRow | None:
    """The account's row with this id; another account's row is as absent as an unknown one.

    `key_share` keeps the row from being deleted until the transaction ends (a row about to be
    referenced); one being deleted meanwhile is waited for, then found absent."""
    canonical = parse_uuid(object_id)
    if canonical is None:
        return None
    statement = _owned_row(model, for_update or key_share, key_share)
    row: OwnedRow | None = session.scalar(
        statement, {"account_id": account_id, "object_id": canonical}
    )
    return row


# Built once per model and lock: building a statement (and its cache key) costs more than
# running it.
_OWNED_ROW: dict[tuple[type[Owned], bool, bool], Select[Any]] = {}


def _owned_row(model: type[Owned], locked: bool, key_share: bool) -> Select[Any]:
    statement = _OWNED_ROW.get((model, locked, key_share))
    if statement is None:
        statement = select(model).where(
            model.account_id == bindparam("account_id"), model.id == bindparam("object_id")
        )
        if locked:  # a row lock on PostgreSQL; SQLite's writers are serialized
            statement = statement.with_for_update(read=key_share, key_share=key_share)
        _OWNED_ROW[(model, locked, key_share)] = statement
    return statement


def get_owned(
    session: Session, model: type[OwnedRow], *, account_id: str, object_id: str, noun: str
) -> OwnedRow:
    row = find_owned(session, model, account_id=account_id, object_id=object_id)
    if row is None:
        raise NotFound.of(noun, object_id)
    return row


def paginate(session: Session, statement: Select[Any], page: Page) -> tuple[int, Sequence[Any]]:
    """The total count of `statement`'s rows and the rows of the requested page."""
    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    rows = session.scalars(statement.offset(page.offset).limit(page.per_page)).all()
    return total or 0, rows


def active_teammate_id(session: Session, account_id: str, teammate_id: Any) -> str | None:
    """The id of the account's teammate `teammate_id` (None stays None), refused with a 400 on
    `teammate_id` when there is none or they were deleted. Key-share locked: a teammate being
    deleted is waited for, then refused."""
    if teammate_id is None:
        return None
    teammate = find_owned(
        session, Teammate, account_id=account_id, object_id=str(teammate_id), key_share=True
    )
    if teammate is None or teammate.deleted_at is not None:
        raise BadRequest(
            f"no teammate with id '{teammate_id}'.",
            field="teammate_id",
            code=ErrorCode.UNKNOWN_REFERENCE,
        )
    return teammate.id

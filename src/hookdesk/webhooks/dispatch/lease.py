"""The lease every outbox table shares (webhook events, mail messages), with the table as a
parameter: its rows have an `id`, a `status`, an `attempt_count`, a `next_attempt_at` and a
`lease_token`.

A leased row's `next_attempt_at` is the end of its lease and its `lease_token` names the claim
that holds it: if its dispatcher dies, the row falls due again by itself. Only the holder of the
lease moves a row on: a row cancelled, resent or claimed again meanwhile keeps its newer state.
"""

import functools
import json
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import (
    ARRAY,
    Double,
    Integer,
    Select,
    String,
    Table,
    Update,
    bindparam,
    func,
    literal_column,
    select,
    update,
)
from sqlalchemy.orm import Session

from hookdesk.db import direct
from hookdesk.db.dialects import on_postgresql, one_of
from hookdesk.webhooks.dispatch.retry import RetryDecision, Verdict


def new_token() -> str:
    return secrets.token_hex(16)


def leasing(table: Table) -> Update:
    """The UPDATE that leases rows (the caller adds which): `lease_end` and `token` bound."""
    return update(table).values(
        next_attempt_at=bindparam("lease_end"), lease_token=bindparam("token")
    )


@functools.cache
def _lease_by_ids(table: Table) -> Update:
    return (
        leasing(table).where(one_of(table.c.id, "ids")).execution_options(synchronize_session=False)
    )


def lease(session: direct.Unit, table: Table, ids: Sequence[str], *, lease_end: float) -> str:
    """Lease these rows (chosen and locked by the caller's statement) until `lease_end`; the
    lease's token."""
    token = new_token()
    direct.execute(
        session, _lease_by_ids(table), {"ids": list(ids), "lease_end": lease_end, "token": token}
    )
    return token


def release(session: Session, table: Table, *, leases: Mapping[str, str], now: float) -> None:
    """Hand leased rows back, due now, for another dispatcher (on shutdown)."""
    for row_id, token in leases.items():
        session.execute(
            update(table)
            .where(table.c.id == row_id, table.c.lease_token == token)
            .values(next_attempt_at=now, lease_token=None)
        )


def still_stored(session: Session, table: Table, ids: Iterable[str]) -> set[str]:
    """Which of these rows still exist (one erased or purged while in flight is gone). They stay
    key-share locked, as an attempt's foreign key would lock them, so that they cannot vanish
    before their attempts are inserted."""
    return {row.id for row in direct.execute(session, _stored(table), {"ids": list(ids)})}


@functools.cache
def _stored(table: Table) -> Select[Any]:
    return (
        select(table.c.id)
        .where(one_of(table.c.id, "ids"))
        .with_for_update(read=True, key_share=True)
    )


# --- moving a row on after an attempt -----------------------------------------------------

# A row to `advance`: its id, its lease token, and its new status, attempt count and next attempt.
Move = tuple[str, str, str, int, float | None]
_MOVE_FIELDS = ("b_id", "b_token", "b_status", "b_count", "b_next")


@dataclass(frozen=True)
class Statuses:
    """A table's words for a row delivered, waiting for its next attempt, and failed for good."""

    delivered: str
    pending: str
    failed: str


class Held(Protocol):
    """A leased row, as its channel claimed it."""

    @property
    def id(self) -> str: ...

    @property
    def lease_token(self) -> str: ...

    @property
    def attempt_count(self) -> int: ...


def move(row: Held, decision: RetryDecision, now: float, statuses: Statuses) -> Move:
    """The move of a row after one more attempt: delivered, pending until its retry, or failed
    for good."""
    verdict = decision.verdict
    made = row.attempt_count + 1
    if verdict is Verdict.RETRY:
        return (row.id, row.lease_token, statuses.pending, made, now + decision.delay)
    status = statuses.delivered if verdict is Verdict.DELIVERED else statuses.failed
    return (row.id, row.lease_token, status, made, None)


@functools.cache
def _advance_all_postgresql(table: Table) -> Any:
    # Core statements on the tables: the ORM's bulk paths cost more per row than the rows.
    moves = (
        func.unnest(
            *(
                bindparam(name, type_=ARRAY(column_type))
                for name, column_type in zip(
                    _MOVE_FIELDS, (String, String, String, Integer, Double), strict=True
                )
            )
        )
        .table_valued("id", "token", "status", "count", "next_attempt_at")
        .render_derived()
    )
    return (
        update(table)
        .where(table.c.id == moves.c.id, table.c.lease_token == moves.c.token)
        .values(
            status=moves.c.status,
            attempt_count=moves.c.count,
            next_attempt_at=moves.c.next_attempt_at,
            lease_token=None,
        )
        .returning(table.c.id)
    )


@functools.cache
def _advance_all_sqlite(table: Table) -> Any:
    # The moves as one JSON array of [id, token, status, count, next] arrays, and RETURNING for
    # the rows held: an UPDATE per row (an executemany, and one more statement for each row to
    # be watched) cost a quarter more per row, spent in binding each row's parameters.
    moves = func.json_each(bindparam("moves", type_=String)).table_valued("value", name="moves")

    def field(position: int) -> Any:
        return func.json_extract(moves.c.value, literal_column(f"'$[{position}]'"))

    return (
        update(table)
        .where(table.c.id == field(0), table.c.lease_token == field(1))
        .values(status=field(2), attempt_count=field(3), next_attempt_at=field(4), lease_token=None)
        .returning(table.c.id)
    )


def advance(session: Session, table: Table, moves: Sequence[Move]) -> set[str]:
    """Move each row on, if this dispatcher still holds its lease, in one statement (one round
    trip on PostgreSQL); the ids of the rows it held."""
    if not moves:
        return set()
    if on_postgresql(session):
        columns = dict(zip(_MOVE_FIELDS, map(list, zip(*moves, strict=True)), strict=True))
        return {row.id for row in direct.execute(session, _advance_all_postgresql(table), columns)}
    rows = json.dumps(moves)
    return {row.id for row in direct.execute(session, _advance_all_sqlite(table), {"moves": rows})}

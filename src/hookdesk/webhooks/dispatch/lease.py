"""The lease every outbox table shares (webhook events, mail messages), with the table as a
parameter: its rows have an `id`, a `status`, an `attempt_count`, a `next_attempt_at` and a
`lease_token`.

A leased row's `next_attempt_at` is the end of its lease and its `lease_token` names the claim
that holds it: if its dispatcher dies, the row falls due again by itself. Only the holder of the
lease moves a row on: a row cancelled, resent or claimed again meanwhile keeps its newer state.
"""

import functools
import secrets
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

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
    select,
    update,
)
from sqlalchemy.orm import Session

from hookdesk.db.dialects import on_postgresql, one_of


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


def lease(session: Session, table: Table, ids: Sequence[str], *, lease_end: float) -> str:
    """Lease these rows (chosen and locked by the caller's statement) until `lease_end`; the
    lease's token."""
    token = new_token()
    session.connection().execute(
        _lease_by_ids(table), {"ids": list(ids), "lease_end": lease_end, "token": token}
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
    return set(session.connection().scalars(_stored(table), {"ids": list(ids)}))


@functools.cache
def _stored(table: Table) -> Select[Any]:
    return (
        select(table.c.id)
        .where(one_of(table.c.id, "ids"))
        .with_for_update(read=True, key_share=True)
    )


# --- moving a row on after an attempt -----------------------------------------------------

# Rows to `advance`: {"b_id", "b_token", "b_status", "b_count", "b_next"} each.
Move = dict[str, object]


@functools.cache
def _advance_one(table: Table) -> Update:
    return (
        update(table)
        .where(table.c.id == bindparam("b_id"), table.c.lease_token == bindparam("b_token"))
        .values(
            status=bindparam("b_status"),
            attempt_count=bindparam("b_count"),
            next_attempt_at=bindparam("b_next"),
            lease_token=None,
        )
    )


@functools.cache
def _advance_all(table: Table) -> Any:
    # Core statements on the tables: the ORM's bulk paths cost more per row than the rows.
    moves = (
        func.unnest(
            *(
                bindparam(name, type_=ARRAY(column_type))
                for name, column_type in (
                    ("b_id", String),
                    ("b_token", String),
                    ("b_status", String),
                    ("b_count", Integer),
                    ("b_next", Double),
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


def advance(session: Session, table: Table, moves: list[Move], watched: Sequence[bool]) -> set[str]:
    """Move each row on, if this dispatcher still holds its lease; the ids of the `watched` rows
    it held (on PostgreSQL, of all the rows it held)."""
    if not moves:
        return set()
    if on_postgresql(session):
        # One statement for every row: one round trip, not one each.
        columns = {key: [move[key] for move in moves] for key in moves[0]}
        return set(session.connection().scalars(_advance_all(table), columns))
    # SQLite (a statement costs no round trip): the watched rows one by one, to know which of
    # them were held.
    statement = _advance_one(table)
    unwatched = [move for move, watch in zip(moves, watched, strict=True) if not watch]
    if unwatched:
        session.connection().execute(statement, unwatched)
    return {
        str(move["b_id"])
        for move, watch in zip(moves, watched, strict=True)
        if watch and session.connection().execute(statement, move).rowcount
    }

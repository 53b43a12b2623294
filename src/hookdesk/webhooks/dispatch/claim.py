"""Claiming due deliveries under a lease, in one short transaction.

A claim shares out its room endpoint by endpoint: first which enabled endpoints have deliveries
due, oldest first, and how many (counted up to the cap), then up to the room each has (its
concurrency cap less what is in flight) from each. A slow endpoint's backlog therefore never stands
in front of another endpoint's deliveries, and every query is an index lookup whatever the backlog.
The endpoints are found through the index of pending deliveries, so endpoints with nothing pending
(most of them, across many accounts) cost a claim nothing. An endpoint with a rate limit gets one
delivery per claim, and only when its slot is free (`pacing.py`).

On PostgreSQL one statement then takes every endpoint's share (a LATERAL lookup per endpoint),
locks the rows `FOR UPDATE SKIP LOCKED`, leases them and returns what sending them needs: two
statements per claim however many endpoints (after a SET LOCAL of the planner's page cost), and
any number of dispatchers claim side by side without waiting on each other. On SQLite, where
the write transaction (BEGIN IMMEDIATE) already serializes claims and a statement costs no round
trip, each endpoint's share is a statement of its own.

A claimed delivery is leased as every outbox row is (`lease.py`): its `next_attempt_at` becomes the
end of its lease, so if its dispatcher dies it falls due again by itself.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    ScalarSelect,
    Select,
    String,
    Table,
    bindparam,
    exists,
    func,
    literal,
    not_,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.orm import Session, aliased

from hookdesk.db import direct
from hookdesk.db.dialects import on_postgresql, one_of
from hookdesk.models.webhooks import OutboxEvent, WebhookEndpoint, WebhookEvent
from hookdesk.webhooks.dispatch import lease, pacing
from hookdesk.webhooks.dispatch.channel import Claim
from hookdesk.webhooks.statuses import EndpointStatus, WebhookEventStatus


# Not frozen: a frozen dataclass's __init__ costs about ten times more, and one is made per
# delivery. Treated as read-only all the same.
@dataclass(slots=True)
class Claimed:
    delivery_id: str
    lease_token: str
    account_id: str
    endpoint_id: str
    event_type: str
    attempt_count: int
    data_json: str
    url: str
    sealed_headers: str | None
    api_version: int
    secret: str  # sealed
    previous_secret: str | None  # sealed
    previous_secret_expires_at: int | None
    resend: bool = False  # a resend: outside the retry schedule (resends.py)
    resend_count: int = 0  # of `attempt_count`, the resends

    @property
    def scheduled_attempts(self) -> int:
        """The attempts its retry schedule made: the resends left out."""
        return self.attempt_count - self.resend_count

    @property
    def id(self) -> str:
        return self.delivery_id

    @property
    def group(self) -> str:
        return self.endpoint_id


@dataclass(frozen=True)
class _Share:
    endpoint_id: str
    room: int


def claim(
    session: direct.Unit,
    *,
    now: float,
    lease_seconds: float,
    limit: int,
    endpoint_room: Mapping[str, int],
    endpoint_cap: int,
) -> Claim[Claimed]:
    """Lease up to `limit` due deliveries, at most `endpoint_room[e]` (else `endpoint_cap`) for
    each endpoint `e`, and say what sending them needs and when to look again."""
    if on_postgresql(session):
        # Priced as a disk read (random_page_cost 4, the default), an index probe looks dearer
        # to PostgreSQL than hashing the whole endpoints table, and with thousands of idle
        # endpoints it hashes them all on every claim. The claim's tables are read from memory:
        # priced so, its lookups stay index probes of the endpoints with work.
        direct.execute(session, _CHEAP_PAGES, {})
    shares, backlog, next_due = _share_out(session, now, limit, endpoint_room, endpoint_cap)
    if not shares:
        return Claim([], backlog, next_due)
    take = _take_in_one_statement if on_postgresql(session) else _take_endpoint_by_endpoint
    claimed = take(session, shares, now, lease_end=now + lease_seconds)
    return Claim(claimed, backlog, next_due)


_deliveries: Table = WebhookEvent.__table__  # type: ignore[assignment]
_CHEAP_PAGES = text("SET LOCAL random_page_cost = 1.1")


# --- which endpoints, and how many from each -----------------------------------------------


def _pending_of_endpoint(*conditions: ColumnElement[bool]) -> ScalarSelect[Any]:
    return (
        select(func.min(WebhookEvent.next_attempt_at))
        .where(
            WebhookEvent.endpoint_id == WebhookEndpoint.id,
            WebhookEvent.status == WebhookEventStatus.PENDING,
            *conditions,
        )
        .correlate(WebhookEndpoint)
        .scalar_subquery()
    )


def _due_of_endpoint() -> ScalarSelect[Any]:
    """How many deliveries of the endpoint are due, counted no further than `count_cap`."""
    due = (
        select(literal(1))
        .where(
            WebhookEvent.endpoint_id == WebhookEndpoint.id,
            WebhookEvent.status == WebhookEventStatus.PENDING,
            WebhookEvent.next_attempt_at <= bindparam("now"),
        )
        .correlate(WebhookEndpoint)
        .limit(bindparam("count_cap"))
        .subquery()
    )
    return select(func.count()).select_from(due).scalar_subquery()


def _endpoints_with_pending() -> Any:
    """The ids of the endpoints with pending deliveries, one index probe each (a loose index
    scan of ix_deliveries_endpoint_due: each step finds the next endpoint id after the last):
    the claim's cost follows the endpoints with work, not every endpoint there is."""
    first = (
        select(func.min(WebhookEvent.endpoint_id).label("endpoint_id"))
        .where(WebhookEvent.status == WebhookEventStatus.PENDING)
        .cte("pending_endpoints", recursive=True)
    )
    later = aliased(WebhookEvent)
    following = (
        select(func.min(later.endpoint_id))
        .where(later.status == WebhookEventStatus.PENDING, later.endpoint_id > first.c.endpoint_id)
        .scalar_subquery()
    )
    return first.union_all(select(following).where(first.c.endpoint_id.is_not(None)))


_PENDING_ENDPOINTS = _endpoints_with_pending()
# Built once: compiling a statement costs more than running it on an indexed table.
_ENDPOINTS = (
    select(
        WebhookEndpoint.id,
        _pending_of_endpoint().label("earliest"),
        _pending_of_endpoint(WebhookEvent.next_attempt_at > bindparam("now")).label("upcoming"),
        _due_of_endpoint().label("due"),
        WebhookEndpoint.rate_limit,
        WebhookEndpoint.rate_next_at,
    )
    .join(_PENDING_ENDPOINTS, _PENDING_ENDPOINTS.c.endpoint_id == WebhookEndpoint.id)
    .where(WebhookEndpoint.status == EndpointStatus.ENABLED, WebhookEndpoint.deleted_at.is_(None))
    # OFFSET 0 keeps this a subquery of its own: else PostgreSQL folds it into the query below
    # and looks `earliest` up twice, once to filter and once to sort.
    .offset(0)
    .subquery()
)
_ENDPOINTS_WITH_PENDING = (
    select(
        _ENDPOINTS.c.id,
        _ENDPOINTS.c.upcoming,
        _ENDPOINTS.c.due,
        _ENDPOINTS.c.rate_limit,
        _ENDPOINTS.c.rate_next_at,
    )
    .where(_ENDPOINTS.c.earliest.is_not(None))
    .order_by(_ENDPOINTS.c.earliest)
)


def _share_out(
    session: direct.Unit,
    now: float,
    limit: int,
    endpoint_room: Mapping[str, int],
    endpoint_cap: int,
) -> tuple[list[_Share], bool, float | None]:
    """Each endpoint's share of `limit`, oldest due first; whether due deliveries are left for
    want of room; when the next pending delivery (or a paced endpoint's next slot) falls due."""
    parameters = {"now": now, "count_cap": endpoint_cap + 1}  # one more: to see any left over
    shares: list[_Share] = []
    paced: dict[str, tuple[pacing.Paced, int]] = {}
    backlog = False
    upcoming: list[float] = []
    for endpoint_id, next_one, due, rate_limit, rate_next_at in direct.execute(
        session, _ENDPOINTS_WITH_PENDING, parameters
    ):
        if next_one is not None:
            upcoming.append(next_one)
        if not due:
            continue
        room = min(endpoint_room.get(endpoint_id, endpoint_cap), limit, due)
        backlog = backlog or due > room
        if room > 0 and rate_limit is not None:
            room = 1  # a paced endpoint: one delivery per slot (pacing.py)
            paced[endpoint_id] = (pacing.Paced(endpoint_id, rate_limit, rate_next_at), due)
        if room > 0:
            shares.append(_Share(endpoint_id, room))
            limit -= room
    if paced:
        slots = pacing.take_slots(session, (p for p, _due in paced.values()), now)
        shares = [s for s in shares if slots.get(s.endpoint_id) is None]
        # When to look again for a paced endpoint's deliveries left due.
        upcoming += [
            slot if slot is not None else now + pacing.spacing(p.rate_limit)
            for endpoint_id, (p, due) in paced.items()
            if (slot := slots[endpoint_id]) is not None or due > 1
        ]
    return shares, backlog, min(upcoming, default=None)


# --- taking the shares ---------------------------------------------------------------------

_earlier = aliased(WebhookEvent)
# An ordered endpoint gets one ticket's events in order: a later one waits for the earlier.
_WAITS_FOR_EARLIER = exists().where(
    _earlier.endpoint_id == WebhookEvent.endpoint_id,
    _earlier.ticket_id == WebhookEvent.ticket_id,
    _earlier.event_seq < WebhookEvent.event_seq,
    _earlier.status == WebhookEventStatus.PENDING,
)


def _claimable(endpoint_id: ColumnElement[str], room: ColumnElement[int]) -> Select[Any]:
    return (
        select(WebhookEvent.id)
        .where(
            WebhookEvent.endpoint_id == endpoint_id,
            WebhookEvent.status == WebhookEventStatus.PENDING,
            WebhookEvent.next_attempt_at <= bindparam("now"),
            or_(not_(WebhookEvent.ordered), not_(_WAITS_FOR_EARLIER)),
        )
        .order_by(WebhookEvent.next_attempt_at)
        .limit(room)
        .with_for_update(skip_locked=True)
    )


_LEASED_COLUMNS = (
    WebhookEvent.id,
    WebhookEvent.account_id,
    WebhookEvent.endpoint_id,
    WebhookEvent.event_type,
    WebhookEvent.attempt_count,
    WebhookEvent.event_seq,
    WebhookEvent.resume_status,
    WebhookEvent.resend_count,
)
_ENDPOINT_COLUMNS = (
    WebhookEndpoint.url,
    WebhookEndpoint.sealed_headers,
    WebhookEndpoint.api_version,
    WebhookEndpoint.secret,
    WebhookEndpoint.previous_secret,
    WebhookEndpoint.previous_secret_expires_at,
)


def _with_details(leased: Any) -> Select[Any]:
    """What sending each leased delivery needs: its event's data, its endpoint's address and
    secrets."""
    # The event's data is looked up row by row, not joined: PostgreSQL cannot foresee how few
    # rows a lease returns, and joined it would hash the whole events table on every claim.
    data = (
        select(OutboxEvent.data)
        .where(OutboxEvent.id == leased.c.event_seq, OutboxEvent.account_id == leased.c.account_id)
        .scalar_subquery()
    )
    return select(
        *[leased.c[column.key] for column in _LEASED_COLUMNS], data, *_ENDPOINT_COLUMNS
    ).join(WebhookEndpoint, WebhookEndpoint.id == leased.c.endpoint_id)


def _one_statement() -> Select[Any]:
    """PostgreSQL: every endpoint's share looked up (LATERAL), locked, leased and returned with
    its details."""
    shares = (
        func.unnest(
            bindparam("endpoint_ids", type_=ARRAY(String)), bindparam("rooms", type_=ARRAY(Integer))
        )
        .table_valued("endpoint_id", "room", name="shares")
        .render_derived()
    )
    taken = _claimable(shares.c.endpoint_id, shares.c.room).lateral("taken")
    chosen = select(taken.c.id).select_from(shares).join(taken, true()).cte("chosen")
    leased = (
        lease.leasing(_deliveries)
        .where(_deliveries.c.id == chosen.c.id)
        .returning(*_LEASED_COLUMNS)
        .cte("leased")
    )
    return _with_details(leased)


_TAKE_AND_LEASE = _one_statement()


def _take_in_one_statement(
    session: direct.Unit, shares: Sequence[_Share], now: float, *, lease_end: float
) -> list[Claimed]:
    token = lease.new_token()
    parameters = {
        "endpoint_ids": [share.endpoint_id for share in shares],
        "rooms": [share.room for share in shares],
        "now": now,
        "lease_end": lease_end,
        "token": token,
    }
    return _claimed(direct.execute(session, _TAKE_AND_LEASE, parameters), token)


_CLAIMABLE = _claimable(bindparam("endpoint_id"), bindparam("room"))
_LEASED = select(*_LEASED_COLUMNS).where(one_of(_deliveries.c.id, "ids")).subquery()
_LEASED_WITH_DETAILS = _with_details(_LEASED)


def _take_endpoint_by_endpoint(
    session: direct.Unit, shares: Sequence[_Share], now: float, *, lease_end: float
) -> list[Claimed]:
    """SQLite: a statement per endpoint to choose, one to lease, one to read the details (SQLite
    has no UPDATE in a WITH)."""
    chosen: list[str] = []
    for share in shares:
        parameters = {"endpoint_id": share.endpoint_id, "now": now, "room": share.room}
        chosen.extend(row.id for row in direct.execute(session, _CLAIMABLE, parameters))
    if not chosen:
        return []
    token = lease.lease(session, _deliveries, chosen, lease_end=lease_end)
    return _claimed(direct.execute(session, _LEASED_WITH_DETAILS, {"ids": chosen}), token)


def _claimed(rows: Any, token: str) -> list[Claimed]:
    # Unpacked by position (the columns of `_with_details`): named access to a row's fields
    # costs more than building the Claimed.
    return [
        Claimed(
            delivery_id,
            token,
            account_id,
            endpoint_id,
            event_type,
            attempt_count,
            data_json,
            url,
            sealed_headers,
            api_version,
            secret,
            previous_secret,
            previous_expires,
            resume_status is not None,
            resend_count,
        )
        for (
            delivery_id,
            account_id,
            endpoint_id,
            event_type,
            attempt_count,
            _seq,
            resume_status,
            resend_count,
            data_json,
            url,
            sealed_headers,
            api_version,
            secret,
            previous_secret,
            previous_expires,
        ) in rows
    ]


def release(session: Session, *, leases: Mapping[str, str], now: float) -> None:
    """Hand leased deliveries back, due now, for another dispatcher (on shutdown)."""
    lease.release(session, _deliveries, leases=leases, now=now)

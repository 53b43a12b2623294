from collections.abc import Iterable

from sqlalchemy import insert

from hookdesk.db import direct
from hookdesk.db.wakeup import Wake, request_wakeup
from hookdesk.models.webhooks import OutboxEvent
from hookdesk.shared.clock import now
from hookdesk.webhooks.outbox.fanout import Subscriber, fan_out
from hookdesk.webhooks.payloads import JsonObject, serialize

# Built once, and run by the driver (`db/direct.py`) rather than as an ORM object and a flush:
# every ticket change writes one, and the unit of work cost more than the insert.
_INSERT = insert(OutboxEvent).returning(OutboxEvent.id)


def emit(
    session: direct.Unit,
    *,
    account_id: str,
    event_type: str,
    ticket_id: str | None,
    data: JsonObject,
    only_endpoint: str | None = None,
    except_endpoint: str | None = None,
    endpoints: Iterable[Subscriber] | None = None,
) -> int:
    """Write the event and its deliveries in the caller's transaction: they commit, or vanish,
    with the change; the event's sequence number. `only_endpoint` sends it to that one endpoint
    (a test event); `except_endpoint` to every subscribed endpoint but that one (an operational
    event about it). `ticket_id` is None for operational events."""
    direct.flush(session)  # the change's own rows first: an endpoint added in it is subscribed
    event_seq: int
    [(event_seq,)] = direct.execute(
        session,
        _INSERT,
        {
            "account_id": account_id,
            "event_type": event_type,
            "ticket_id": ticket_id,
            "data": serialize(data),
            "created_at": now(),
        },
    )
    delivering = fan_out(
        session,
        event_seq=event_seq,
        account_id=account_id,
        event_type=event_type,
        ticket_id=ticket_id,
        only_endpoint=only_endpoint,
        except_endpoint=except_endpoint,
        endpoints=endpoints,
    )
    # After commit: the live streams; the dispatcher only when it has something to send.
    request_wakeup(session, Wake.EVENTS | Wake.DELIVERIES if delivering else Wake.EVENTS)
    return event_seq

"""Webhook history written straight into the tables, as old as a test needs it."""

import secrets
import time
from dataclasses import dataclass

from sqlalchemy import func, insert, select

from hookdesk.db import Database
from hookdesk.models.webhooks import Attempt, OutboxEvent, WebhookEndpoint, WebhookEvent
from hookdesk.shared.clock import now
from hookdesk.shared.ids import new_id
from hookdesk.webhooks.dispatch.claim import Claimed
from hookdesk.webhooks.dispatch.record import Finished
from hookdesk.webhooks.dispatch.sender import Result
from hookdesk.webhooks.ids import new_webhook_event_id
from hookdesk.webhooks.statuses import WebhookEventStatus


@dataclass(frozen=True)
class Written:
    event_ids: list[int]
    delivery_ids: list[str]


def endpoint(db: Database, account_id: str) -> str:
    """An endpoint row; it is never called (its deliveries are written finished or due later)."""
    endpoint_id = new_id()
    with db.write() as session:
        session.add(
            WebhookEndpoint(
                id=endpoint_id,
                account_id=account_id,
                url="https://receiver.invalid/hook",
                events=[],  # subscribes to nothing: only the rows written here
                status="enabled",
                api_version=2,
                ordered=False,
                secret="sealed",
                created_at=now(),
                updated_at=now(),
            )
        )
    return endpoint_id


def history(
    db: Database,
    account_id: str,
    endpoint_id: str,
    *,
    created_at: int,
    count: int,
    status: str = WebhookEventStatus.DELIVERED,
    attempts_each: int = 1,
) -> Written:
    """`count` events, each with one delivery to the endpoint and its attempts."""
    marker = f'{{"batch": "{secrets.token_hex(8)}"}}'
    with db.write() as session:
        event: dict[str, object] = {
            "account_id": account_id,
            "event_type": "whitelabel.ticket.created",
            "ticket_id": None,
            "data": marker,
            "created_at": created_at,
        }
        session.execute(insert(OutboxEvent), [event] * count)
        event_ids = list(
            session.scalars(
                select(OutboxEvent.id).where(OutboxEvent.data == marker).order_by(OutboxEvent.id)
            )
        )
        deliveries = [
            _delivery(account_id, endpoint_id, seq, created_at, status) for seq in event_ids
        ]
        session.execute(insert(WebhookEvent), deliveries)
        attempts = [
            {"account_id": account_id, "delivery_id": delivery["id"], "at": created_at}
            | {"status_code": 200, "duration_ms": 3, "response_body": "ok", "error": None}
            for delivery in deliveries
            for _ in range(attempts_each)
        ]
        if attempts:
            session.execute(insert(Attempt), attempts)
    return Written(event_ids, [str(d["id"]) for d in deliveries])


def _delivery(
    account_id: str, endpoint_id: str, seq: int, created_at: int, status: str
) -> dict[str, object]:
    return {
        "id": new_webhook_event_id(),
        "account_id": account_id,
        "event_seq": seq,
        "endpoint_id": endpoint_id,
        "event_type": "whitelabel.ticket.created",
        "ticket_id": None,
        "ordered": False,
        "status": status,
        "attempt_count": 1,
        "next_attempt_at": None if status == WebhookEventStatus.DELIVERED else now() + 3600.0,
        "created_at": created_at,
    }


def counts(db: Database, account_id: str) -> dict[str, int]:
    """The account's rows in each table the purge works on."""
    with db.read() as session:
        return {
            name: session.scalar(
                select(func.count()).select_from(model).where(model.account_id == account_id)
            )
            or 0
            for name, model in (
                ("attempts", Attempt),
                ("deliveries", WebhookEvent),
                ("events", OutboxEvent),
            )
        }


def finished_attempt(
    account_id: str,
    endpoint_id: str,
    delivery_id: str,
    *,
    token: str,
    status: int,
    made_before: int = 1,
) -> Finished:
    """An attempt at a delivery as a dispatcher holding lease `token` finishes it: the receiver
    answered `status`; `made_before` attempts were made earlier."""
    claimed = Claimed(
        delivery_id=delivery_id,
        lease_token=token,
        account_id=account_id,
        endpoint_id=endpoint_id,
        event_type="whitelabel.ticket.created",
        attempt_count=made_before,
        data_json="{}",
        url="https://receiver.invalid/hook",
        sealed_headers=None,
        api_version=2,
        secret="sealed",
        previous_secret=None,
        previous_secret_expires_at=None,
    )
    return Finished(claimed, Result(status, 4, response_body="answer"), time.time())

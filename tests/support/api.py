"""A small API client for tests, with shortcuts that create the objects a ticket needs."""

from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select

from hookdesk.accounts import service as accounts
from hookdesk.db import Database
from hookdesk.models.webhooks import OutboxEvent

JsonObject = dict[str, Any]
AGENCY_ONLY = ("tags", "priority")


def as_in_events(ticket: JsonObject) -> JsonObject:
    """The agency API's ticket object without the fields that follow the event's keys."""
    assert list(ticket)[-len(AGENCY_ONLY) :] == list(AGENCY_ONLY)
    return {key: value for key, value in ticket.items() if key not in AGENCY_ONLY}


@dataclass
class Api:
    http: TestClient
    db: Database
    account_id: str
    api_key: str
    counter: list[int] = field(default_factory=lambda: [0])

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Response:
        return self.http.post(path, json=body, headers=self.headers, **kwargs)

    def get(self, path: str, **params: Any) -> Response:
        return self.http.get(path, params=params, headers=self.headers)

    def ok(self, response: Response, name: str) -> Any:
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["status"] == 200
        return body[name]

    def upload(self, name: str = "screenshot.png", content: bytes = b"\x89PNG data") -> Response:
        return self.http.post(
            "/v2/assets/upload", files={"file": (name, content)}, headers=self.headers
        )

    def _unique(self) -> int:
        self.counter[0] += 1
        return self.counter[0]

    def client(self, **fields: Any) -> JsonObject:
        n = self._unique()
        body = {"name": f"Client {n}", "email": f"client{n}@example.com", **fields}
        return self.ok(self.post("/v2/agency/clients/create", body), "client")

    def teammate(self, **fields: Any) -> JsonObject:
        n = self._unique()
        body = {"name": f"Agent {n}", "email": f"agent{n}@example.com", **fields}
        return self.ok(self.post("/v2/agency/teammates/create", body), "teammate")

    def category(self, **fields: Any) -> JsonObject:
        body = {"title": "General Support", "language": "en", **fields}
        return self.ok(self.post("/v2/agency/ticket-categories/create", body), "ticket_category")

    def ticket(self, **fields: Any) -> JsonObject:
        if "client_id" not in fields:
            fields["client_id"] = self.client()["id"]
        if "category" not in fields:
            fields["category"] = self.category()["id"]
        body = {"title": "Help with account", "description": "It does not work.", **fields}
        return self.ok(self.post("/v2/agency/tickets/create", body), "ticket")

    def events(self) -> list[OutboxEvent]:
        """This account's outbox, in the order the changes were committed."""
        with self.db.transaction(write=False) as session:
            statement = (
                select(OutboxEvent)
                .where(OutboxEvent.account_id == self.account_id)
                .order_by(OutboxEvent.id)
            )
            return list(session.scalars(statement))

    def count(self, model: Any) -> int:
        with self.db.transaction(write=False) as session:
            statement = (
                select(func.count()).select_from(model).where(model.account_id == self.account_id)
            )
            return session.scalar(statement) or 0


def new_account(http: TestClient, db: Database, name: str) -> Api:
    """A new account, and an API client with its key."""
    with db.transaction() as session:
        created = accounts.create(session, name=name)
    return Api(http, db, created.account_id, created.api_key)

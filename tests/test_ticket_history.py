"""Random ticket histories: the outbox describes exactly what happened to each ticket, in order.

Each example drives a random sequence of creates, replies, assignments and resolutions (refused and
no-op calls included) against a fresh account through the real API, keeps a small model of every
ticket, and checks after each call that the events written are exactly the effective changes, each
carrying the ticket as the API answered right after it; at the end, every ticket's events replay to
its final state.
"""

import json
from dataclasses import dataclass, field
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from hypothesis import HealthCheck, given, settings
from hypothesis import event as label
from hypothesis import strategies as st
from sqlalchemy import select

from hookdesk.db import Database
from hookdesk.models.tickets import Ticket
from hookdesk.models.webhooks import OutboxEvent
from hookdesk.webhooks.catalog import EventType
from tests.support.api import Api, JsonObject, as_in_events, new_account

CREATED = EventType.TICKET_CREATED.value
UPDATED = EventType.TICKET_UPDATED.value
ASSIGNED = EventType.TICKET_ASSIGNED.value
RESOLVED = EventType.TICKET_RESOLVED.value

AUTO_REPLY = "Thanks for writing to us; an agent will answer shortly."
TEAMMATES = 3
MAX_TICKETS = 3  # a create beyond this many tickets is skipped
UNKNOWN_TEAMMATE = -1  # an id that is no teammate of the account: the assignment is refused


@dataclass(frozen=True)
class Create:
    category: int  # 0: a plain category; 1: one with a teammate and an automated reply
    text: str
    by_client: bool


@dataclass(frozen=True)
class Reply:
    ticket: int  # taken modulo the number of tickets created so far
    text: str  # blank (whitespace only) is refused by validation
    by_client: bool


@dataclass(frozen=True)
class Assign:
    ticket: int
    teammate: int | None  # an index into the teammates, UNKNOWN_TEAMMATE, or None to unassign


@dataclass(frozen=True)
class Resolve:
    ticket: int
    by_client: bool


Operation = Create | Reply | Assign | Resolve

# Letters, digits, a little punctuation, JSON's special characters and non-ASCII text; spaces and
# newlines at the ends are trimmed by the API, which the model predicts.
texts = st.text(alphabet='ab Zé漢🙂"\\\n\t.!0', min_size=1, max_size=12).filter(str.strip)
blank = st.sampled_from([" ", "\n\t "])
tickets = st.integers(min_value=0, max_value=MAX_TICKETS - 1)
create = st.builds(Create, st.integers(0, 1), texts, st.booleans())
reply = st.builds(Reply, tickets, st.one_of(texts, texts, texts, blank), st.booleans())
assign = st.builds(Assign, tickets, st.sampled_from([None, *range(TEAMMATES), UNKNOWN_TEAMMATE]))
resolve = st.builds(Resolve, tickets, st.booleans())
# A history starts with a create; creates beyond MAX_TICKETS tickets are skipped when run.
histories = st.tuples(
    create,
    st.lists(
        st.one_of(reply, resolve, assign, reply, resolve, assign, create), min_size=5, max_size=30
    ),
).map(lambda first_and_rest: [first_and_rest[0], *first_and_rest[1]])


@dataclass
class ModelTicket:
    """What the test expects of one ticket, and the ticket object the API last answered."""

    id: str
    is_open: bool
    teammate_id: str | None
    replies: list[tuple[str, bool]]  # (text, written by the client)
    category: str
    client_id: str
    answer: JsonObject
    history: list[str] = field(default_factory=list)  # the event types it should have


class History:
    """Runs operations through the API and checks each against the model and the outbox."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.teammates = [api.teammate()["id"] for _ in range(TEAMMATES)]
        plain = api.category(title="General Support")
        staffed = api.category(
            title="Billing", automated_reply=AUTO_REPLY, teammate_id=self.teammates[0]
        )
        self.categories = [plain, staffed]
        self.client = api.client()
        self.tickets: list[ModelTicket] = []
        self.log: list[tuple[str, str]] = []  # (ticket id, event type), in the order of the calls

    def run(self, operation: Operation) -> None:
        if isinstance(operation, Create):
            if len(self.tickets) < MAX_TICKETS:
                self.create(operation)
            return
        ticket = self.tickets[operation.ticket % len(self.tickets)]
        if isinstance(operation, Reply):
            self.reply(ticket, operation)
        elif isinstance(operation, Assign):
            self.assign(ticket, operation)
        else:
            self.resolve(ticket, operation)

    def create(self, operation: Create) -> None:
        category = self.categories[operation.category]
        body = {
            "client_id": self.client["id"],
            "title": f"Ticket {len(self.tickets) + 1}",
            "description": operation.text,
            "category": category["id"],
            "is_client_reply": operation.by_client,
        }
        answer = self.api.ok(self.api.post("/v2/agency/tickets/create", body), "ticket")
        replies = [(operation.text.strip(), operation.by_client)]
        if category["auto_reply"] is not None:
            replies.append((AUTO_REPLY, False))
        ticket = ModelTicket(
            id=answer["id"],
            is_open=True,
            teammate_id=category["teammate_id"],
            replies=replies,
            category=category["title"],
            client_id=self.client["id"],
            answer=answer,
        )
        self.tickets.append(ticket)
        self.changed(ticket, CREATED, answer)
        assert answer["created_at"] == answer["updated_at"]

    def reply(self, ticket: ModelTicket, operation: Reply) -> None:
        body = {"reply": operation.text, "is_client_reply": operation.by_client}
        response = self.api.post(f"/v2/agency/tickets/reply/create/{ticket.id}", body)
        if not operation.text.strip():
            self.refused(ticket, response, status=400, error_code=1002)
            return
        if not ticket.is_open:
            label("a reply reopened a resolved ticket")
        ticket.is_open = True  # a reply opens a resolved ticket again
        ticket.replies.append((operation.text.strip(), operation.by_client))
        event = self.changed(ticket, UPDATED, self.api.ok(response, "ticket"))
        assert json.loads(event.data)["reply"] == ticket.answer["replies"][-1]

    def assign(self, ticket: ModelTicket, operation: Assign) -> None:
        if operation.teammate == UNKNOWN_TEAMMATE:
            response = self.api.post(
                f"/v2/agency/tickets/assign/{ticket.id}", {"teammate_id": str(uuid4())}
            )
            self.refused(ticket, response, status=400, error_code=1004)
            return
        teammate = None if operation.teammate is None else self.teammates[operation.teammate]
        response = self.api.post(
            f"/v2/agency/tickets/assign/{ticket.id}", {"teammate_id": teammate}
        )
        answer = self.api.ok(response, "ticket")
        if teammate == ticket.teammate_id:  # no change, no event: the very same ticket
            label("an assignment changed nothing")
            assert answer == ticket.answer
            self.check_model(ticket, answer)
            self.unchanged(ticket)
            return
        if teammate is None:
            label("a ticket was unassigned")
        ticket.teammate_id = teammate
        self.changed(ticket, ASSIGNED, answer)

    def resolve(self, ticket: ModelTicket, operation: Resolve) -> None:
        body = {"by_client": operation.by_client}
        response = self.api.post(f"/v2/agency/tickets/resolve/{ticket.id}", body)
        if not ticket.is_open:
            label("resolving a resolved ticket was refused")
            self.refused(ticket, response, status=400, error_code=1006)
            return
        ticket.is_open = False
        self.changed(ticket, RESOLVED, self.api.ok(response, "ticket"))
        with self.api.db.transaction(write=False) as session:
            row = session.scalars(select(Ticket).where(Ticket.id == ticket.id)).one()
            assert row.resolved_by_client is operation.by_client

    def changed(self, ticket: ModelTicket, event_type: str, answer: JsonObject) -> OutboxEvent:
        """The call changed the ticket: exactly one new event, carrying the answered ticket."""
        self.check_model(ticket, answer)
        assert answer["created_at"] == ticket.answer["created_at"]
        assert answer["updated_at"] >= ticket.answer["updated_at"]
        assert self.retrieve(ticket) == answer
        events = self.api.events()
        assert len(events) == len(self.log) + 1, [e.event_type for e in events]
        event = events[-1]
        assert event.event_type == event_type
        assert event.ticket_id == ticket.id
        data = json.loads(event.data)
        assert list(data) == (["ticket", "reply"] if event_type == UPDATED else ["ticket"])
        assert data["ticket"] == as_in_events(answer)
        ticket.answer = answer
        ticket.history.append(event_type)
        self.log.append((ticket.id, event_type))
        return event

    def refused(
        self, ticket: ModelTicket, response: Response, *, status: int, error_code: int
    ) -> None:
        assert response.status_code == status, response.text
        assert response.json()["error_code"] == error_code, response.text
        self.unchanged(ticket)

    def unchanged(self, ticket: ModelTicket) -> None:
        """The call changed nothing: the ticket is as it was and no event was written."""
        assert self.retrieve(ticket) == ticket.answer
        assert [(e.ticket_id, e.event_type) for e in self.api.events()] == self.log

    def retrieve(self, ticket: ModelTicket) -> JsonObject:
        found: JsonObject = self.api.ok(
            self.api.get(f"/v2/agency/tickets/retrieve/{ticket.id}"), "ticket"
        )
        return found

    @staticmethod
    def check_model(ticket: ModelTicket, answer: JsonObject) -> None:
        assert answer["id"] == ticket.id
        assert answer["object"] == "ticket"
        assert answer["is_open"] is ticket.is_open
        assert answer["teammate_id"] == ticket.teammate_id
        assert [(r["text"], r["is_client_reply"]) for r in answer["replies"]] == ticket.replies
        assert answer["category"] == ticket.category
        assert answer["client"]["id"] == ticket.client_id

    def check_outbox(self) -> None:
        """All events, in commit order, are the log; each ticket's events replay to its state."""
        events = self.api.events()
        assert [(e.ticket_id, e.event_type) for e in events] == self.log
        assert [e.id for e in events] == sorted({e.id for e in events})
        for ticket in self.tickets:
            own = [e for e in events if e.ticket_id == ticket.id]
            assert [e.event_type for e in own] == ticket.history
            final = self.retrieve(ticket)
            assert final == ticket.answer
            assert replay(own) == as_in_events(final)


def replay(events: list[OutboxEvent]) -> JsonObject:
    """A ticket's state from its events alone, checking each one changes only what its type says."""
    state: JsonObject | None = None
    for event in events:
        data = json.loads(event.data)
        after = data["ticket"]
        if event.event_type == CREATED:
            assert state is None, "created twice"
            state = after
            continue
        assert state is not None, f"{event.event_type} before created"
        expected = dict(state)
        if event.event_type == UPDATED:
            expected["replies"] = [*state["replies"], data["reply"]]
            expected["is_open"] = True
        elif event.event_type == ASSIGNED:
            assert after["teammate_id"] != state["teammate_id"], "assigned without a change"
            expected["teammate_id"] = after["teammate_id"]
        else:
            assert event.event_type == RESOLVED, event.event_type
            assert state["is_open"] is True, "resolved a closed ticket"
            expected["is_open"] = False
        assert after["updated_at"] >= state["updated_at"]
        expected["updated_at"] = after["updated_at"]
        assert after == expected
        state = after
    assert state is not None, "no events"
    return state


@pytest.mark.slow
@settings(
    max_examples=40,
    deadline=None,
    # The fixtures are shared by the examples, but each example has an account of its own, and
    # every query of the test (the outbox included) is scoped to that account.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(operations=histories)
def test_events_describe_exactly_the_ticket_history(
    http: TestClient, db: Database, operations: list[Operation]
) -> None:
    history = History(new_account(http, db, "History Agency"))
    for operation in operations:
        history.run(operation)
    history.check_outbox()
    label(f"tickets: {len(history.tickets)}, events: {min(len(history.log) // 5 * 5, 20)}+")

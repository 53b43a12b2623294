"""Erasing a client: nothing of theirs is left anywhere in the database, the other client's data
is intact, and the record of the erasure holds only counts."""

import secrets
import shutil
import sqlite3
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from hookdesk.config import Settings
from hookdesk.db import Base, Database
from hookdesk.models.access import OneTimeLink
from hookdesk.models.clients import ClientErasure
from hookdesk.retention.erasure import erase_client
from tests.support.api import Api, new_account
from tests.support.receivers import Received, Receiver, Reply
from tests.support.waiting import wait_until

ALL_EVENTS = [
    "whitelabel.ticket.created",
    "whitelabel.ticket.updated",
    "whitelabel.ticket.assigned",
    "whitelabel.ticket.resolved",
]


class EchoReceiver(Receiver):
    """Answers with the body it got, as receivers that echo the payload do."""

    def _next_reply(self, request: Received) -> Reply:
        super()._next_reply(request)
        return Reply(body=request.body)


@dataclass(frozen=True)
class Person:
    """A client whose every text carries a tag found nowhere else."""

    tag: str

    @property
    def name(self) -> str:
        return f"Quinn Person{self.tag}"

    @property
    def email(self) -> str:
        return f"quinn.{self.tag}@mail.example"

    @property
    def texts(self) -> dict[str, str]:
        return {
            "name": self.name,
            "email": self.email,
            "title": f"Printer on fire {self.tag}",
            "description": f"My card number is 4111{self.tag}",
            "reply": f"I live at {self.tag} Main Street",
            "filename": f"passport-{self.tag}.txt",
            "note": f"Their PIN is {self.tag}",
            "ticket tag": f"vip-{self.tag}",
        }


@dataclass(frozen=True)
class Opened:
    client_id: str
    ticket_id: str
    file: Path


def open_a_ticket(api: Api, person: Person, category_id: str, settings: Settings) -> Opened:
    texts = person.texts
    client = api.ok(
        api.post("/v2/agency/clients/create", {"name": person.name, "email": person.email}),
        "client",
    )
    upload = api.http.post(
        "/v2/assets/upload",
        files={"file": (texts["filename"], f"scan of {person.tag}".encode())},
        headers=api.headers,
    )
    asset = api.ok(upload, "asset")
    ticket = api.ticket(
        client_id=client["id"],
        category=category_id,
        title=texts["title"],
        description=texts["description"],
        assets=[asset["id"]],
    )
    path = f"/v2/agency/tickets/reply/create/{ticket['id']}"
    api.ok(api.post(path, {"reply": texts["reply"], "is_client_reply": True}), "ticket")
    note_path = f"/v2/agency/tickets/notes/create/{ticket['id']}"
    api.ok(api.post(note_path, {"text": texts["note"]}), "ticket_note")
    tags = {"tags": [texts["ticket tag"]]}
    api.ok(api.post(f"/v2/agency/tickets/update/{ticket['id']}", tags), "ticket")
    # Assigning grows the ticket's row: on SQLite the old copy of the row moves out of the way.
    assign = {"teammate_id": api.teammate()["id"]}
    api.ok(api.post(f"/v2/agency/tickets/assign/{ticket['id']}", assign), "ticket")
    api.ok(api.post(f"/v2/agency/clients/portal-session/{client['id']}"), "url")
    stored = f"{api.account_id}/{asset['id']}.txt"
    return Opened(client["id"], ticket["id"], settings.assets_dir / stored)


def wait_for_deliveries(api: Api, endpoint_id: str, count: int) -> None:
    wait_until(
        lambda: api.get(
            "/v2/webhook-events/list", endpoint_id=endpoint_id, status="delivered", per_page=100
        ).json(),
        lambda listed: listed["total_results"] >= count,
        what=f"{count} delivered events",
    )


def database_dump(db: Database) -> str:
    """Everything the database holds, as text: SQLite's raw file and log bytes and its SQL dump;
    PostgreSQL's pg_dump (else every row of every table)."""
    if db.is_sqlite:
        path = Path(str(make_url(db.url).database))
        raw = b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
        with sqlite3.connect(path) as connection:
            dumped = "\n".join(connection.iterdump())
        connection.close()
        return raw.decode("latin-1") + dumped
    url = make_url(db.url).set(drivername="postgresql").render_as_string(hide_password=False)
    if shutil.which("pg_dump"):
        pg_dump = subprocess.run(
            ["pg_dump", "--data-only", "--dbname", url],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return pg_dump.stdout
    with db.read() as session:
        return "\n".join(
            repr(row)
            for table in Base.metadata.sorted_tables
            for row in session.execute(select(table))
        )


@pytest.mark.slow
def test_erasing_a_client_leaves_nothing_of_theirs(
    live: Api, db: Database, live_settings: Settings
) -> None:
    echo, slow = EchoReceiver(), Receiver()
    slow.default = Reply(delay=1.0)  # its deliveries are in flight while the client is erased
    try:
        hooks = [
            live.ok(
                live.post("/v2/webhook-endpoints/create", {"url": r.url, "events": ALL_EVENTS}),
                "webhook_endpoint",
            )
            for r in (echo, slow)
        ]
        category = live.category()["id"]
        erased, kept = Person(secrets.token_hex(6)), Person(secrets.token_hex(6))
        theirs = open_a_ticket(live, erased, category, live_settings)
        ours = open_a_ticket(live, kept, category, live_settings)
        wait_for_deliveries(live, hooks[0]["id"], 6)  # 3 events per ticket, echoed back
        slow.wait_for(1)

        stranger = new_account(live.http, db, "Another Agency")
        refused = stranger.post(f"/v2/agency/clients/delete/{theirs.client_id}")
        assert refused.status_code == 404 and refused.json()["error_code"] == 3001

        answer = live.ok(
            live.post(f"/v2/agency/clients/delete/{theirs.client_id}"), "client_erasure"
        )
        assert answer == {
            "object": "client_erasure",
            "client_id": theirs.client_id,
            "erased_at": answer["erased_at"],
            "tickets": 1,
            "replies": 2,
            "assets": 1,
            "events": 3,
            "deliveries": 6,  # both endpoints', the slow one's still pending or in flight
            "notes": 1,
        }
        slow.close()  # the requests in flight end; their attempts are not recorded
        wait_for_deliveries(live, hooks[0]["id"], 3)

        dump = database_dump(db)
        for what, text in erased.texts.items():
            assert text not in dump, f"the erased client's {what} is still in the database"
        for what, text in kept.texts.items():
            assert text in dump, f"the other client's {what} is missing"
        assert not theirs.file.exists() and ours.file.exists()

        assert live.get(f"/v2/agency/clients/retrieve/{theirs.client_id}").status_code == 404
        assert live.get(f"/v2/agency/tickets/retrieve/{theirs.ticket_id}").status_code == 404
        assert live.get(f"/v2/agency/tickets/retrieve/{ours.ticket_id}").status_code == 200
        with db.read() as session:
            links = select(func.count()).where(OneTimeLink.subject_id == theirs.client_id)
            assert session.scalar(links) == 0
            record = session.scalars(select(ClientErasure)).one()
        stored = {c.name: getattr(record, c.key) for c in ClientErasure.__table__.columns}
        assert stored["client_id"] == theirs.client_id and stored["events"] == 3
        assert not any(text in repr(stored) for text in erased.texts.values())
    finally:
        echo.close()
        slow.close()


def test_a_ticket_for_a_client_being_erased_is_refused_not_a_server_error(api: Api) -> None:
    """The erasure holds the client's row while it works; a ticket made meanwhile waits for it,
    then finds the client gone: a 400 naming `client_id`, never a foreign-key error."""
    client = api.client()
    category = api.category()
    answers: list[Any] = []
    with api.db.write() as session:
        erase_client(session, account_id=api.account_id, client_id=client["id"])
        body = {
            "client_id": client["id"],
            "title": "Made during the erasure",
            "description": "Hello.",
            "category": category["id"],
        }
        racing = threading.Thread(
            target=lambda: answers.append(api.post("/v2/agency/tickets/create", body))
        )
        racing.start()
        racing.join(timeout=1.0)
        assert racing.is_alive(), "the ticket did not wait for the erasure"
    racing.join(timeout=30)
    [answer] = answers
    assert answer.status_code == 400, answer.text
    assert answer.json()["error_code"] == 1004
    assert "client_id" in answer.json()["error"]

"""The dispatcher sends the queued notifications to a real SMTP server (aiosmtpd), records each
attempt, retries a 4xx and a server that is down, and fails a message on a 5xx."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hookdesk.app import create_app
from hookdesk.config import Settings
from hookdesk.db import Database
from tests.mail.smtp_server import SmtpServer
from tests.support.api import Api, new_account
from tests.support.receivers import Receiver
from tests.support.scraping import scrape
from tests.support.waiting import wait_until

MESSAGES = "/v2/agency/mail/messages"
SENDER = "support@acme.example"


def mailing(settings: Settings, smtp_server: SmtpServer | None, **changes: Any) -> Settings:
    server = {"smtp_url": smtp_server.url} if smtp_server else {}
    return settings.model_copy(
        update={"mail_from": f"Acme Support <{SENDER}>", **server, **changes}
    )


@contextmanager
def live_api(settings: Settings, db: Database) -> Iterator[Api]:
    with TestClient(create_app(settings, db, run_dispatcher=True)) as client:
        yield new_account(client, db, "Mailing Agency")


@pytest.fixture
def mailer(live_settings: Settings, db: Database, smtp_server: SmtpServer) -> Iterator[Api]:
    """A fresh account on an app whose dispatcher sends through the test's SMTP server."""
    with live_api(mailing(live_settings, smtp_server), db) as api:
        yield api


def outbound(api: Api) -> list[dict[str, Any]]:
    body = api.get(f"{MESSAGES}/list", direction="outbound", per_page=100).json()
    assert body["status"] == 200, body
    messages: list[dict[str, Any]] = body["mail_messages"]
    return messages


def retrieved(api: Api, message_id: str) -> dict[str, Any]:
    return api.ok(api.get(f"{MESSAGES}/retrieve/{message_id}"), "mail_message")


def settled(api: Api, count: int) -> list[dict[str, Any]]:
    """The account's `count` outbound messages once none is pending any more."""
    return wait_until(
        lambda: outbound(api),
        lambda seen: len(seen) == count and all(m["status"] != "pending" for m in seen),
        what=f"{count} messages sent or failed",
    )


def test_an_agent_reply_reaches_the_smtp_server_and_is_recorded_sent(
    mailer: Api, smtp_server: SmtpServer
) -> None:
    client = mailer.client()
    ticket = mailer.ticket(client_id=client["id"])  # ticket_opened, to the client
    # Sent first: two messages due at once may go over two connections at once.
    settled(mailer, 1)
    mailer.ok(
        mailer.post(f"/v2/agency/tickets/reply/create/{ticket['id']}", {"reply": "On it."}),
        "ticket",
    )
    received = smtp_server.wait_for(2)
    assert {r.recipients[0] for r in received} == {client["email"]}
    assert all(r.sender == SENDER for r in received)
    messages = settled(mailer, 2)
    assert {(m["kind"], m["status"], m["attempt_count"]) for m in messages} == {
        ("ticket_opened", "sent", 1),
        ("agent_replied", "sent", 1),
    }
    [reply] = [m for m in messages if m["kind"] == "agent_replied"]
    [attempt] = retrieved(mailer, reply["id"])["attempts"]
    assert attempt["status"] == "sent" and attempt["response"].startswith("2.0.0")
    [mail] = [r.message for r in received if "On it." in str(r.message.get_body(("plain",)))]
    assert reply["subject"] == mail["Subject"]
    assert smtp_server.connections == 1  # both over the kept connection


def test_a_5xx_ends_the_message_failed_with_the_servers_answer(
    mailer: Api, smtp_server: SmtpServer
) -> None:
    smtp_server.answer_with("550 5.1.1 No such user here")
    mailer.ticket(client_id=mailer.client()["id"])
    [message] = settled(mailer, 1)
    assert (message["status"], message["attempt_count"]) == ("failed", 1)
    assert message["reason"] == "550 5.1.1 No such user here"
    [attempt] = retrieved(mailer, message["id"])["attempts"]
    assert (attempt["status"], attempt["response"]) == ("failed", "550 5.1.1 No such user here")
    assert smtp_server.received == []


def test_a_4xx_is_retried_and_then_sent(mailer: Api, smtp_server: SmtpServer) -> None:
    smtp_server.answer_with("451 4.3.0 Try again later")
    before = scrape(mailer.http)
    mailer.ticket(client_id=mailer.client()["id"])
    [message] = settled(mailer, 1)
    assert (message["status"], message["attempt_count"]) == ("sent", 2)
    attempts = retrieved(mailer, message["id"])["attempts"]
    assert [(a["status"], a["response"][:3]) for a in attempts] == [
        ("retrying", "451"),
        ("sent", "2.0"),
    ]
    assert len(smtp_server.wait_for(1)) == 1

    def counted() -> list[float]:
        after = scrape(mailer.http)
        return [
            after.value("hookdesk_mail_attempts_total", outcome=outcome)
            - before.value("hookdesk_mail_attempts_total", outcome=outcome)
            for outcome in ("retry", "delivered")
        ]

    wait_until(counted, [1.0, 1.0].__eq__, what="both attempts counted in /metrics")


def test_retries_run_out_and_the_message_fails(mailer: Api, smtp_server: SmtpServer) -> None:
    # live_settings' schedule holds three waits: four attempts in all.
    smtp_server.answer_with(*["421 4.7.0 Busy"] * 4)
    mailer.ticket(client_id=mailer.client()["id"])
    [message] = settled(mailer, 1)
    assert (message["status"], message["attempt_count"]) == ("failed", 4)
    assert message["reason"].startswith("421")


def test_messages_go_out_once_a_server_that_was_down_is_back(
    live_settings: Settings, db: Database, smtp_server: SmtpServer
) -> None:
    patient = mailing(live_settings, smtp_server, retry_schedule=(0.5,) * 40)
    smtp_server.stop()
    with live_api(patient, db) as api:
        for _ in range(3):
            api.ticket(client_id=api.client()["id"])
        wait_until(
            lambda: outbound(api),
            lambda seen: len(seen) == 3 and all(m["attempt_count"] >= 2 for m in seen),
            what="every message tried twice while the server is down",
        )
        assert {m["status"] for m in outbound(api)} == {"pending"}
        smtp_server.start()
        messages = settled(api, 3)
        assert {m["status"] for m in messages} == {"sent"}
        assert len(smtp_server.wait_for(3)) == 3
        attempts = retrieved(api, messages[0]["id"])["attempts"]
        assert attempts[0]["status"] == "retrying" and attempts[-1]["status"] == "sent"
        assert "Error" in attempts[0]["response"]  # no connection, in the attempt's words


def test_an_accounts_messages_wait_their_turn_for_the_servers_few_connections(
    live_settings: Settings, db: Database, smtp_server: SmtpServer
) -> None:
    # A server that takes 1 s per message, a send's timeout of 2.5 s, and twelve messages of one
    # account due at once. The SMTP server gets three connections; were all twelve started at
    # once, the last ones would spend their timeout waiting for a connection and be retried.
    # The dispatcher starts three at a time instead, and each is sent on its first attempt.
    smtp_server.delay = 1.0
    with live_api(mailing(live_settings, smtp_server, delivery_timeout=2.5), db) as api:
        client = api.client()
        for _ in range(12):
            api.ticket(client_id=client["id"])
        messages = settled(api, 12)
    assert {(m["status"], m["attempt_count"]) for m in messages} == {("sent", 1)}
    assert smtp_server.connections == 3


def test_without_any_smtp_url_nothing_is_sent_until_the_account_sets_its_own(
    live_settings: Settings, db: Database, smtp_server: SmtpServer, receiver: Receiver
) -> None:
    with live_api(mailing(live_settings, None), db) as api:
        api.ok(
            api.post(
                "/v2/webhook-endpoints/create",
                {"url": receiver.url, "events": ["whitelabel.ticket.created"]},
            ),
            "webhook_endpoint",
        )
        api.ticket(client_id=api.client()["id"])
        # The webhook went out: the dispatcher claimed after the mail was queued, and left it.
        receiver.wait_for(1)
        [message] = outbound(api)
        assert (message["status"], message["attempt_count"]) == ("pending", 0)
        api.ok(api.post("/v2/agency/mail/update", {"smtp_url": smtp_server.url}), "mail_settings")
        [message] = settled(api, 1)
        assert (message["status"], message["attempt_count"]) == ("sent", 1)
        assert len(smtp_server.wait_for(1)) == 1


def test_without_a_sender_the_message_fails_saying_why(
    live_settings: Settings, db: Database, smtp_server: SmtpServer
) -> None:
    with live_api(mailing(live_settings, smtp_server, mail_from=None), db) as api:
        api.ticket(client_id=api.client()["id"])
        [message] = settled(api, 1)
        assert message["status"] == "failed"
        assert "no sender" in message["reason"]
    assert smtp_server.received == []

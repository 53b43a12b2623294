"""The SMTP sender against a real aiosmtpd: connections reused (a few to a server at once),
answers classified."""

import asyncio
from collections.abc import AsyncIterator

import pytest

from hookdesk.mail.smtp import CONNECTIONS_PER_SERVER, SmtpSender
from hookdesk.net import mailurls as urls
from tests.mail.messages import a_message
from tests.mail.smtp_server import SmtpServer


@pytest.fixture
async def sender() -> AsyncIterator[SmtpSender]:
    sending = SmtpSender(timeout=5)
    yield sending
    await sending.close()


def server_of(smtp_server: SmtpServer) -> urls.MailUrl:
    return urls.parse(smtp_server.url, schemes=urls.SENDING)


async def test_a_burst_goes_over_one_connection(
    smtp_server: SmtpServer, sender: SmtpSender
) -> None:
    server = server_of(smtp_server)
    for n in range(20):
        answer = await sender.send(
            server, a_message(f"n{n}"), sender="a@acme.example", to=f"c{n}@example.com"
        )
        assert answer.outcome == "sent", answer
    received = smtp_server.wait_for(20)
    assert [r.recipients for r in received] == [[f"c{n}@example.com"] for n in range(20)]
    assert smtp_server.connections == 1


async def test_messages_sent_at_once_share_a_few_connections(
    smtp_server: SmtpServer, sender: SmtpSender
) -> None:
    # A server slow to take each message: the first three wait on it, each on a connection of its
    # own, and the next thirteen go over those three as they come free.
    smtp_server.delay = 0.05
    server = server_of(smtp_server)
    answers = await asyncio.gather(
        *(
            sender.send(server, a_message(f"n{n}"), sender="a@acme.example", to=f"c{n}@example.com")
            for n in range(16)
        )
    )
    assert [a.outcome for a in answers] == ["sent"] * 16
    received = smtp_server.wait_for(16)
    assert sorted(r.recipients[0] for r in received) == sorted(
        f"c{n}@example.com" for n in range(16)
    )
    assert smtp_server.connections == CONNECTIONS_PER_SERVER == 3


async def test_a_5xx_fails_with_the_servers_answer_and_a_4xx_is_retried(
    smtp_server: SmtpServer, sender: SmtpSender
) -> None:
    server = server_of(smtp_server)
    smtp_server.answer_with("550 5.1.1 No such user here", "451 4.3.0 Try again later")
    refused = await sender.send(server, a_message(), sender="a@acme.example", to="x@example.com")
    assert refused.outcome == "failed"
    assert refused.response == "550 5.1.1 No such user here"
    later = await sender.send(server, a_message(), sender="a@acme.example", to="x@example.com")
    assert later.outcome == "retry" and later.response.startswith("451")
    assert (
        await sender.send(server, a_message(), sender="a@acme.example", to="x@example.com")
    ).outcome == "sent"


async def test_no_server_is_retried_and_a_restarted_one_is_reached_again(
    smtp_server: SmtpServer, sender: SmtpSender
) -> None:
    server = server_of(smtp_server)
    assert (
        await sender.send(server, a_message(), sender="a@acme.example", to="x@example.com")
    ).outcome == "sent"
    smtp_server.stop()
    down = await sender.send(server, a_message(), sender="a@acme.example", to="x@example.com")
    assert down.outcome == "retry"
    smtp_server.start()
    back = await sender.send(server, a_message(), sender="a@acme.example", to="x@example.com")
    assert back.outcome == "sent", back
    assert len(smtp_server.wait_for(2)) == 2


async def test_a_kept_connection_the_server_dropped_is_opened_anew(
    smtp_server: SmtpServer, sender: SmtpSender
) -> None:
    server = server_of(smtp_server)
    assert (
        await sender.send(server, a_message(), sender="a@acme.example", to="x@example.com")
    ).outcome == "sent"
    smtp_server.stop()
    smtp_server.start()
    again = await sender.send(server, a_message(), sender="a@acme.example", to="x@example.com")
    assert again.outcome == "sent", again
    assert smtp_server.connections == 2

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


async def test_a_server_that_does_not_answer_in_time_is_retried_on_a_new_connection(
    smtp_server: SmtpServer,
) -> None:
    # The dispatcher's lease on a message covers one send's timeout: a send still waiting on the
    # server after it would go out a second time, from the next claim, while this one may land.
    sending = SmtpSender(timeout=0.5)
    server = server_of(smtp_server)
    try:
        smtp_server.delay = 3.0
        late = await sending.send(server, a_message(), sender="a@acme.example", to="x@example.com")
        assert late.outcome == "retry"
        assert late.response == "TimeoutError: not sent within 0.5 seconds"
        smtp_server.delay = 0.0
        again = await sending.send(server, a_message(), sender="a@acme.example", to="y@example.com")
        assert again.outcome == "sent", again
        # The connection cut off mid-message was closed, not handed to the next send.
        assert smtp_server.connections == 2
    finally:
        await sending.close()


async def test_the_wait_for_a_free_connection_counts_toward_the_timeout(
    smtp_server: SmtpServer,
) -> None:
    # One connection, a server that takes 2 s per message, and 3 s for a send: the first message
    # is sent, and the second, which would have its turn only after 2 s, is retried instead.
    sending = SmtpSender(timeout=3, connections_per_server=1)
    server = server_of(smtp_server)
    smtp_server.delay = 2.0
    try:
        answers = await asyncio.gather(
            *(
                sending.send(server, a_message(), sender="a@acme.example", to=f"{n}@example.com")
                for n in range(2)
            )
        )
    finally:
        await sending.close()
    assert sorted(a.outcome for a in answers) == ["retry", "sent"]
    assert smtp_server.connections == 1

"""The mail tests' servers really work: aiosmtpd takes a message, Dovecot stores and serves one."""

import smtplib

import pytest

from tests.mail.imap_server import ImapServer
from tests.mail.messages import a_message
from tests.mail.smtp_server import SmtpServer


def test_the_smtp_server_keeps_what_it_accepts(smtp_server: SmtpServer) -> None:
    with smtplib.SMTP("127.0.0.1", smtp_server.port) as client:
        client.send_message(a_message())
    [received] = smtp_server.wait_for(1)
    assert received.recipients == ["support@agency.example"]
    assert received.message["Subject"] == "Hello"
    assert smtp_server.connections == 1


def test_the_smtp_server_answers_as_scripted(smtp_server: SmtpServer) -> None:
    smtp_server.answer_with("550 5.1.1 No such user")
    with smtplib.SMTP("127.0.0.1", smtp_server.port) as client:
        try:
            client.send_message(a_message())
        except smtplib.SMTPDataError as error:
            assert error.smtp_code == 550
        else:
            raise AssertionError("the scripted 550 did not come")
    assert smtp_server.received == []


@pytest.mark.slow  # a process of its own
def test_dovecot_serves_an_appended_message(imap_server: ImapServer) -> None:
    imap_server.append(a_message("Stored"))
    connection = imap_server.connect()
    try:
        connection.select("INBOX")
        status, data = connection.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        assert status == "OK"
        assert b"Subject: Stored" in data[0][1]  # type: ignore[index, operator]
    finally:
        connection.logout()
    assert imap_server.flags() == ["1 (FLAGS ())"]


@pytest.mark.slow  # a process of its own
def test_dovecot_comes_back_after_a_restart(imap_server: ImapServer) -> None:
    imap_server.append(a_message("Before"))
    imap_server.stop()
    imap_server.start()
    imap_server.append(a_message("After"))
    assert len(imap_server.flags()) == 2

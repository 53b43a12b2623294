"""The real mail servers of the mail tests: aiosmtpd for sending, a private Dovecot for reading."""

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.mail.imap_server import ImapServer
from tests.mail.smtp_server import SmtpServer


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def imap_server() -> Iterator[ImapServer]:
    # Not pytest's tmp_path: Dovecot's own user must reach the folder (pytest's are private to
    # the tests' user), and its unix sockets need a short path.
    root = Path(tempfile.mkdtemp(prefix="hookdesk-imap-"))
    root.chmod(0o755)
    server = ImapServer(root)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)

"""`hookdesk mail list|show` against a real `hookdesk serve --dev`."""

from collections.abc import Iterator

import httpx
import pytest

from tests.devtools.serving import Cli, dev_server
from tests.mail import messages as mails

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cli]:
    with dev_server(tmp_path_factory.mktemp("serve")) as server:
        yield Cli(server)


def post(cli: Cli, path: str, body: dict) -> dict:
    answer = httpx.post(
        f"{cli.server.url}{path}",
        json=body,
        headers={"Authorization": f"Bearer {cli.server.api_key}"},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_the_mail_log_lists_and_shows_each_message(cli: Cli) -> None:
    client = post(
        cli, "/v2/agency/clients/create", {"name": "James Doe", "email": "james@example.com"}
    )["client"]
    category = post(
        cli, "/v2/agency/ticket-categories/create", {"title": "General", "language": "en"}
    )["ticket_category"]
    post(
        cli,
        "/v2/agency/tickets/create",
        {
            "client_id": client["id"],
            "title": "Help",
            "description": "x",
            "category": category["id"],
        },
    )
    received = httpx.post(
        f"{cli.server.url}/v2/inbound/email",
        content=mails.auto_reply().as_bytes(),
        headers={"Authorization": f"Bearer {cli.server.api_key}", "Content-Type": "message/rfc822"},
    )
    assert received.json()["action"] == "ignored"

    listed = cli.json("mail", "list")
    assert {(m["direction"], m["kind"], m["status"]) for m in listed} == {
        ("outbound", "ticket_opened", "pending"),
        ("inbound", "unknown", "ignored"),
    }
    table = cli.ok("mail", "list", "--direction", "inbound")
    assert "ignored" in table and "ticket_opened" not in table
    ignored = next(m for m in listed if m["direction"] == "inbound")
    shown = cli.ok("mail", "show", ignored["id"])
    assert "automatic reply" in shown and "Out of office" in shown
    opened = next(m for m in listed if m["direction"] == "outbound")
    assert "No attempt to send it yet." in cli.ok("mail", "show", opened["id"])
    missing = cli.run("mail", "show", "6a1c6d8e-9d0e-4a4e-b8a3-5a5d4c6b7e8f")
    assert missing.exit_code == 1 and "Traceback" not in missing.stderr

"""`hookdesk clients delete` against a real `hookdesk serve`: asks first, unless --yes."""

from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from hookdesk.cli import app
from tests.devtools.serving import Cli, dev_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cli]:
    with dev_server(tmp_path_factory.mktemp("serve")) as server:
        yield Cli(server)


def new_client(cli: Cli, name: str, email: str) -> str:
    body = {"name": name, "email": email}
    client_id: str = cli.server.api("POST", "/v2/agency/clients/create", body)["client"]["id"]
    return client_id


def client_exists(cli: Cli, client_id: str) -> bool:
    clients = cli.server.api("GET", "/v2/agency/clients/list", per_page=100)["clients"]
    return client_id in {client["id"] for client in clients}


def test_it_asks_and_a_no_erases_nothing(cli: Cli) -> None:
    client_id = new_client(cli, "Nora Noted", "nora@example.com")
    answered = CliRunner().invoke(app, ["clients", "delete", client_id], env=cli.env(), input="n\n")
    assert "Erase Nora Noted <nora@example.com>" in answered.stdout
    assert answered.exit_code == 1
    assert answered.stderr == "error: not confirmed: nothing was erased\n"
    assert client_exists(cli, client_id)


def test_a_yes_erases_and_counts_what_went(cli: Cli) -> None:
    client_id = new_client(cli, "Yuri Yes", "yuri@example.com")
    category = cli.server.api(
        "POST", "/v2/agency/ticket-categories/create", {"title": "Help", "language": "en"}
    )["ticket_category"]
    ticket = {"client_id": client_id, "category": category["id"], "title": "T", "description": "D"}
    cli.server.api("POST", "/v2/agency/tickets/create", ticket)
    answered = CliRunner().invoke(app, ["clients", "delete", client_id], env=cli.env(), input="y\n")
    assert answered.exit_code == 0, answered.stderr
    assert answered.stdout.splitlines()[-1] == (
        f"Erased client {client_id}: 1 ticket, 1 reply, 0 assets, 1 event, 0 deliveries, 0 notes."
    )
    assert not client_exists(cli, client_id)


def test_yes_flag_in_a_separate_process_prints_json(cli: Cli) -> None:
    client_id = new_client(cli, "Jay Json", "jay@example.com")
    result = cli.process("clients", "delete", client_id, "--yes", "--json")
    assert result.returncode == 0, result.stderr
    assert '"object": "client_erasure"' in result.stdout and client_id in result.stdout
    assert not client_exists(cli, client_id)


def test_an_unknown_client_is_one_clear_line(cli: Cli) -> None:
    result = cli.process("clients", "delete", "6b1f3c1e-0000-4000-8000-000000000000", "--yes")
    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and "No client" in result.stderr
    assert result.stderr.count("\n") == 1

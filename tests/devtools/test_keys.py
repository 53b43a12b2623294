"""`hookdesk keys list|create|revoke` against a real serve."""

from collections.abc import Iterator

import httpx
import pytest

from tests.devtools.serving import Cli, dev_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cli]:
    with dev_server(tmp_path_factory.mktemp("serve")) as server:
        yield Cli(server)


def test_a_key_is_created_listed_and_revoked(cli: Cli) -> None:
    shown = cli.ok("keys", "create", "--name", "Billing system")
    assert "shown only once" in shown
    key = next(line for line in shown.splitlines() if line.startswith("hk_"))
    url = f"{cli.server.url}/v2/agency/clients/list"
    headers = {"Authorization": f"Bearer {key}"}
    assert httpx.get(url, headers=headers).status_code == 200

    listed = cli.json("keys", "list")
    billing = next(k for k in listed if k["name"] == "Billing system")
    assert billing["prefix"] == key[:8] and "key" not in billing
    table = cli.ok("keys", "list")
    assert "Billing system" in table and billing["id"] in table and key not in table

    revoked = cli.ok("keys", "revoke", billing["id"])
    assert f"Revoked API key {billing['id']}" in revoked
    refused = httpx.get(url, headers=headers)
    assert refused.status_code == 401 and refused.json()["error_code"] == 2003
    assert "revoked" in cli.ok("keys", "list")


def test_the_last_active_key_is_one_clear_error_line(cli: Cli) -> None:
    active = [k for k in cli.json("keys", "list") if k["revoked_at"] is None]
    assert len(active) == 1
    result = cli.run("keys", "revoke", active[0]["id"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and "only active key" in result.stderr
    assert result.stderr.count("\n") == 1

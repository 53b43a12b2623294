"""`hookdesk teammates invite` and `hookdesk clients portal-link` against a real serve."""

from collections.abc import Iterator

import httpx
import pytest

from tests.devtools.serving import Cli, dev_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cli]:
    with dev_server(tmp_path_factory.mktemp("serve")) as server:
        yield Cli(server)


def test_an_invite_link_opens_the_set_password_page(cli: Cli) -> None:
    teammate = cli.server.api(
        "POST", "/v2/agency/teammates/create", {"name": "Ivy Invited", "email": "ivy@example.com"}
    )["teammate"]
    shown = cli.ok("teammates", "invite", teammate["id"])
    assert "works once and expires" in shown
    url = shown.strip().splitlines()[-1]
    assert url.startswith(f"{cli.server.url}/console/invite/")
    page = httpx.get(url)
    assert page.status_code == 200
    assert "Welcome, Ivy Invited" in page.text
    as_json = cli.json("teammates", "invite", teammate["id"])
    assert set(as_json) == {"url", "expires_at"} and as_json["url"] != url


def test_a_portal_link_opens_the_portal_entry(cli: Cli) -> None:
    client = cli.server.api(
        "POST", "/v2/agency/clients/create", {"name": "Carl Client", "email": "carl@example.com"}
    )["client"]
    link = cli.json("clients", "portal-link", client["id"])
    assert link["url"].startswith(f"{cli.server.url}/portal/enter/")
    assert httpx.get(link["url"]).status_code == 200


def test_an_unknown_teammate_is_one_clear_error_line(cli: Cli) -> None:
    result = cli.run("teammates", "invite", "6b1f3c1e-0000-4000-8000-000000000000")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and "No teammate" in result.stderr
    assert result.stderr.count("\n") == 1

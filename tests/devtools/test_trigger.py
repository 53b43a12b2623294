"""`hookdesk trigger EVENT_TYPE` against a real `hookdesk serve --dev`."""

import json
from collections.abc import Iterator

import pytest

from tests.devtools.serving import Cli, Server, dev_server, receiver_for
from tests.support.golden import EVENT_TYPES, OPERATIONAL_EVENT_TYPES, golden, shape
from tests.support.receivers import Received, Receiver

pytestmark = pytest.mark.slow
CREATED = "whitelabel.ticket.created"


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cli]:
    with dev_server(tmp_path_factory.mktemp("serve")) as server:
        yield Cli(server)


@pytest.fixture
def server(cli: Cli) -> Server:
    return cli.server


@pytest.fixture
def hook(server: Server) -> Iterator[Receiver]:
    with receiver_for(server) as receiver:
        yield receiver


def subscribe(server: Server, hook: Receiver, *event_types: str) -> str:
    body = {"url": hook.url, "events": list(event_types)}
    created = server.api("POST", "/v2/webhook-endpoints/create", body)
    endpoint_id: str = created["webhook_endpoint"]["id"]
    return endpoint_id


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_trigger_sends_an_event_of_the_golden_shape(
    cli: Cli, server: Server, hook: Receiver, event_type: str
) -> None:
    endpoint_id = subscribe(server, hook, event_type)
    out = cli.ok("trigger", event_type)

    [request] = hook.wait_for(1)
    event = json.loads(request.body)
    assert event["event_type"] == event_type
    assert event["endpoint_id"] == endpoint_id
    assert shape(event) == shape(golden(event_type))
    ticket = event["data"]["ticket"]
    assert f"Ticket id: {ticket['id']}" in out
    assert f"Triggered {event_type}" in out
    assert ticket["client"]["email"] == "sample.client@example.com"
    assert ticket["category"] == "Sample Support"
    if event_type != CREATED:  # the new sample ticket's own event came first, and says so
        assert f"a {CREATED} event came first" in out
    assert "No enabled endpoint subscribes" not in out


def request_with_id(hook: Receiver, event_id: str) -> Received:
    """The request of that event; other events may arrive too (leftovers of earlier tests)."""
    count = 1
    while True:
        found = [r for r in hook.wait_for(count) if r.headers["webhook-id"] == event_id]
        if found:
            return found[0]
        count = len(hook.received) + 1


@pytest.mark.parametrize("event_type", OPERATIONAL_EVENT_TYPES)
def test_trigger_sends_a_sample_of_an_operational_event(
    cli: Cli, server: Server, hook: Receiver, event_type: str
) -> None:
    endpoint_id = subscribe(server, hook, event_type)
    [sent] = cli.json("trigger", event_type)
    assert sent["endpoint_id"] == endpoint_id
    event = json.loads(request_with_id(hook, sent["event_id"]).body)
    assert event["event_type"] == event_type
    assert event["endpoint_id"] == endpoint_id
    assert shape(event) == shape(golden(event_type))
    tickets = server.api("GET", "/v2/agency/tickets/list", page=1, per_page=1)["total_results"]
    out = cli.ok("trigger", event_type)
    assert f"Sample {event_type} sent to {hook.url}" in out
    after = server.api("GET", "/v2/agency/tickets/list", page=1, per_page=1)["total_results"]
    assert after == tickets  # no sample ticket for an operational event


def test_trigger_json_prints_the_final_ticket(cli: Cli, server: Server) -> None:
    created = cli.json("trigger", CREATED)
    assert created["object"] == "ticket"
    assert [r["is_client_reply"] for r in created["replies"]] == [True, False]  # + auto reply
    assert created == server.api("GET", f"/v2/agency/tickets/retrieve/{created['id']}")["ticket"]

    updated = cli.json("trigger", "whitelabel.ticket.updated")
    assert len(updated["replies"]) == 3 and updated["replies"][-1]["is_client_reply"] is False

    assigned = cli.json("trigger", "whitelabel.ticket.assigned")
    teammates = server.api("GET", "/v2/agency/teammates/list", per_page=100)["teammates"]
    [agent] = [t for t in teammates if t["email"] == "sample.agent@example.com"]
    assert agent["name"] == "Sample Agent"
    assert assigned["teammate_id"] == agent["id"]

    resolved = cli.json("trigger", "whitelabel.ticket.resolved")
    assert resolved["is_open"] is False


def test_trigger_reuses_the_sample_client_category_and_teammate(cli: Cli, server: Server) -> None:
    cli.ok("trigger", "whitelabel.ticket.assigned")
    again = cli.ok("trigger", "whitelabel.ticket.assigned")
    assert "reused Sample Client" in again
    assert "reused Sample Support" in again
    assert "reused Sample Agent" in again
    clients = server.api("GET", "/v2/agency/clients/list", per_page=100)["clients"]
    assert [c["email"] for c in clients].count("sample.client@example.com") == 1
    categories = server.api("GET", "/v2/agency/ticket-categories/list", per_page=100)
    [category] = [c for c in categories["ticket_categories"] if c["title"] == "Sample Support"]
    assert category["auto_reply"]  # every sample ticket gets the automated reply


def test_trigger_warns_when_no_endpoint_listens(cli: Cli) -> None:
    out = cli.ok("trigger", "whitelabel.ticket.resolved")
    assert "No enabled endpoint subscribes to whitelabel.ticket.resolved" in out


def test_trigger_refuses_an_unknown_event_type_and_changes_nothing(
    cli: Cli, server: Server
) -> None:
    before = server.api("GET", "/v2/agency/tickets/list", page=1, per_page=1)["total_results"]
    result = cli.run("trigger", "whitelabel.ticket.exploded")
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert result.stderr.count("\n") == 1
    assert "unknown event type 'whitelabel.ticket.exploded'" in result.stderr
    for event_type in EVENT_TYPES:
        assert event_type in result.stderr
    after = server.api("GET", "/v2/agency/tickets/list", page=1, per_page=1)["total_results"]
    assert after == before


def test_trigger_with_a_wrong_key(cli: Cli) -> None:
    result = cli.run("trigger", CREATED, HOOKDESK_API_KEY="hk_wrong")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and "Invalid API key" in result.stderr
    assert "Traceback" not in result.stderr


def test_trigger_help_says_a_created_event_may_come_first(cli: Cli) -> None:
    out = cli.ok("trigger", "--help")
    assert "also emits" in out and CREATED in out
    for event_type in EVENT_TYPES:
        assert event_type in out

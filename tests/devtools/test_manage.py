"""`hookdesk endpoints|events|tickets ...` against a real `hookdesk serve --dev`."""

import json
from collections.abc import Iterator

import pytest
import standardwebhooks

from tests.devtools.serving import Cli, Server, dev_server, receiver_for, wait_for_status
from tests.support.processes import free_port
from tests.support.receivers import Receiver

pytestmark = pytest.mark.slow
CREATED = "whitelabel.ticket.created"
UPDATED = "whitelabel.ticket.updated"


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


def assert_clean_failure(result, *phrases: str) -> None:
    """Exit status 1, one line on stderr naming the problem, no traceback."""
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.stderr.startswith("error: "), result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    for phrase in phrases:
        assert phrase in result.stderr, result.stderr


# ----------------------------------------------------------------------------- endpoints


def test_endpoint_create_shows_the_secret_once_and_lists_the_endpoint(
    cli: Cli, hook: Receiver
) -> None:
    out = cli.ok("endpoints", "create", "--url", hook.url, "--events", CREATED)
    assert "Created webhook endpoint" in out
    assert "shown only once" in out
    secret_line = next(line for line in out.splitlines() if line.startswith("Signing secret: "))
    assert secret_line.removeprefix("Signing secret: ").startswith("whsec_")

    [endpoint] = [e for e in cli.json("endpoints", "list") if e["url"] == hook.url]
    assert endpoint["object"] == "webhook_endpoint"
    assert "secret" not in endpoint  # the list never shows it again
    assert endpoint["events"] == [CREATED]
    table = cli.ok("endpoints", "list")
    assert endpoint["id"] in table and hook.url in table
    assert "UTC" in table  # times read by people, not Unix seconds
    assert str(endpoint["created_at"]) not in table


def test_endpoint_create_json_carries_a_working_secret_headers_and_order(
    cli: Cli, hook: Receiver
) -> None:
    created = cli.json(
        "endpoints", "create", "--url", hook.url, "--events", f"{CREATED},{UPDATED}",
        "--description", "CLI test", "--ordered", "--header", "X-Receiver-Key=abc=123",
    )  # fmt: skip
    assert created["object"] == "webhook_endpoint"
    assert created["secret"].startswith("whsec_")
    assert created["events"] == [CREATED, UPDATED]
    assert created["ordered"] is True
    assert created["headers"] == {"X-Receiver-Key": "abc=123"}
    assert created["description"] == "CLI test"

    cli.ok("trigger", UPDATED)
    first, second = hook.wait_for(2)
    assert [json.loads(r.body)["event_type"] for r in (first, second)] == [CREATED, UPDATED]
    for request in (first, second):
        assert request.headers["x-receiver-key"] == "abc=123"
        standardwebhooks.Webhook(created["secret"]).verify(request.body, request.headers)


def test_endpoint_update_changes_only_what_is_given(cli: Cli, hook: Receiver) -> None:
    endpoint = cli.json("endpoints", "create", "--url", hook.url, "--events", CREATED)
    endpoint_id = endpoint["id"]

    disabled = cli.json("endpoints", "update", endpoint_id, "--disable")
    assert disabled["status"] == "disabled"
    assert disabled["events"] == [CREATED]

    changed = cli.json(
        "endpoints", "update", endpoint_id, "--enable", "--events", UPDATED,
        "--events", CREATED, "--description", "renamed", "--url", hook.url + "?v=2",
    )  # fmt: skip
    assert changed["status"] == "enabled"
    assert changed["events"] == [UPDATED, CREATED]
    assert changed["description"] == "renamed"
    assert changed["url"] == hook.url + "?v=2"

    table = cli.ok("endpoints", "update", endpoint_id, "--description", "", "--url", hook.url)
    assert "Updated webhook endpoint" in table and endpoint_id in table
    cleared = cli.json("endpoints", "update", endpoint_id, "--disable")
    assert cleared["description"] is None
    assert cleared["url"] == hook.url


def test_endpoint_rate_limit_is_set_shown_and_removed(cli: Cli, hook: Receiver) -> None:
    args = ("endpoints", "create", "--url", hook.url, "--events", CREATED, "--rate-limit", "5")
    endpoint = cli.json(*args)
    assert endpoint["rate_limit"] == 5
    table = cli.ok("endpoints", "update", endpoint["id"], "--rate-limit", "20")
    assert "20/s" in table
    removed = cli.json("endpoints", "update", endpoint["id"], "--no-rate-limit")
    assert removed["rate_limit"] is None
    refused = cli.run("endpoints", "update", endpoint["id"], "--rate-limit", "0")
    assert refused.exit_code != 0 and "rate_limit" in refused.stderr


def test_rotate_secret_then_delete(cli: Cli, hook: Receiver) -> None:
    endpoint = cli.json("endpoints", "create", "--url", hook.url, "--events", CREATED)
    out = cli.ok("endpoints", "rotate-secret", endpoint["id"])
    assert "shown only once" in out and "24 hours" in out
    rotated = cli.json("endpoints", "rotate-secret", endpoint["id"])
    assert rotated["secret"].startswith("whsec_")
    assert rotated["secret"] != endpoint["secret"]
    assert rotated["secret"] not in out

    cli.ok("trigger", CREATED)
    [request] = hook.wait_for(1)
    standardwebhooks.Webhook(rotated["secret"]).verify(request.body, request.headers)

    out = cli.ok("endpoints", "delete", endpoint["id"])
    assert f"Deleted webhook endpoint {endpoint['id']}" in out
    assert endpoint["id"] not in [e["id"] for e in cli.json("endpoints", "list")]


# ----------------------------------------------------------------------------- events


def test_events_list_show_and_resend(cli: Cli, hook: Receiver) -> None:
    endpoint = cli.json("endpoints", "create", "--url", hook.url, "--events", CREATED)
    ticket = cli.json("trigger", CREATED)
    [first] = hook.wait_for(1)
    event_id = first.headers["webhook-id"]
    assert json.loads(first.body)["data"]["ticket"]["id"] == ticket["id"]

    [listed] = cli.json("events", "list", "--endpoint", endpoint["id"])
    assert listed["id"] == event_id
    assert listed["object"] == "webhook_event"
    assert listed["event_type"] == CREATED
    table = cli.ok("events", "list", "--endpoint", endpoint["id"])
    assert event_id in table and "Page 1 of 1 (1 event in all)" in table

    shown = wait_for_status(cli, event_id, "delivered")
    assert shown["status"] == "delivered"
    assert shown["payload"] == json.loads(first.body)
    assert [a["status_code"] for a in shown["attempts"]] == [200]
    table = cli.ok("events", "show", event_id)
    assert f"Webhook event {event_id}" in table
    assert f'"event_id": "{event_id}"' in table  # the payload, pretty-printed
    assert "Delivery attempts" in table and "200" in table

    resent = cli.json("events", "resend", event_id)
    assert resent["id"] == event_id
    _, again = hook.wait_for(2)
    assert again.headers["webhook-id"] == event_id
    assert again.body == first.body
    out = cli.ok("events", "resend", event_id)
    assert f"Queued {event_id}" in out
    hook.wait_for(3)


def test_events_list_filters_and_pages(cli: Cli, hook: Receiver) -> None:
    endpoint = cli.json(
        "endpoints", "create", "--url", hook.url, "--events", f"{CREATED},{UPDATED}"
    )
    cli.ok("trigger", UPDATED)
    hook.wait_for(2)
    mine = ["--endpoint", endpoint["id"]]
    assert [e["event_type"] for e in cli.json("events", "list", *mine)] == [UPDATED, CREATED]
    [updated] = cli.json("events", "list", *mine, "--type", UPDATED)
    assert updated["event_type"] == UPDATED
    [newest] = cli.json("events", "list", *mine, "--per-page", "1")
    [oldest] = cli.json("events", "list", *mine, "--per-page", "1", "--page", "2")
    assert (newest["event_type"], oldest["event_type"]) == (UPDATED, CREATED)
    assert "Page 2 of 2 (2 events in all)" in cli.ok(
        "events", "list", *mine, "--per-page", "1", "--page", "2"
    )
    assert cli.json("events", "list", *mine, "--status", "cancelled") == []
    assert "No webhook events match." in cli.ok("events", "list", *mine, "--status", "failed")


def test_events_list_refuses_a_bad_status(cli: Cli) -> None:
    result = cli.run("events", "list", "--status", "lost")
    assert_clean_failure(result, "status", "pending", "HTTP 400")


def test_events_show_of_an_unknown_event(cli: Cli) -> None:
    result = cli.run("events", "show", "whev_nonexistent00000")
    assert_clean_failure(result, "No webhook event with id 'whev_nonexistent00000'", "HTTP 404")


# ----------------------------------------------------------------------------- tickets


def test_tickets_list_and_show(cli: Cli) -> None:
    ticket = cli.json("trigger", UPDATED)
    open_ids = [t["id"] for t in cli.json("tickets", "list", "--open", "--per-page", "100")]
    assert ticket["id"] in open_ids
    closed_ids = [t["id"] for t in cli.json("tickets", "list", "--closed", "--per-page", "100")]
    assert ticket["id"] not in closed_ids
    listed = cli.json("tickets", "list", "--per-page", "100")
    assert [t for t in listed if t["id"] == ticket["id"]] == [ticket]  # the API's objects
    assert cli.json("tickets", "list", "--filter", "no ticket says this") == []
    found = cli.json("tickets", "list", "--filter", "UNDER INVESTIGATION", "--per-page", "100")
    assert ticket["id"] in [t["id"] for t in found]

    table = cli.ok("tickets", "list", "--per-page", "100")
    assert ticket["id"] in table and "Sample Client" in table and "Page 1 of" in table

    assert cli.json("tickets", "show", ticket["id"]) == ticket
    shown = cli.ok("tickets", "show", ticket["id"])
    assert f"Ticket {ticket['id']}" in shown
    assert "Conversation (3 replies)" in shown
    for reply in ticket["replies"]:
        assert reply["text"] in shown
    assert "Client: Sample Client" in shown and "Agent" in shown


def test_tickets_list_and_show_of_a_resolved_assigned_ticket(cli: Cli) -> None:
    resolved = cli.json("trigger", "whitelabel.ticket.resolved")
    closed_ids = [t["id"] for t in cli.json("tickets", "list", "--closed", "--per-page", "100")]
    assert resolved["id"] in closed_ids
    assigned = cli.json("trigger", "whitelabel.ticket.assigned")
    shown = cli.ok("tickets", "show", assigned["id"])
    assert f"Sample Agent ({assigned['teammate_id']})" in shown


def test_tickets_show_of_an_unknown_ticket(cli: Cli) -> None:
    result = cli.run("tickets", "show", "6f0c1d0e-0000-4000-8000-000000000000")
    assert_clean_failure(result, "No ticket with id", "HTTP 404")


def test_tickets_list_refuses_bad_paging(cli: Cli) -> None:
    assert_clean_failure(cli.run("tickets", "list", "--per-page", "500"), "--per-page")
    assert_clean_failure(cli.run("events", "list", "--page", "0"), "--page")


def test_tickets_update_tags_priority_and_notes(cli: Cli) -> None:
    ticket = cli.json("trigger", UPDATED)
    updated = cli.json(
        "tickets", "update", ticket["id"], "--tag", "VIP, billing", "--tag", "refund",
        "--priority", "high",
    )  # fmt: skip
    assert (updated["tags"], updated["priority"]) == (["billing", "refund", "vip"], "high")
    assert updated["updated_at"] == ticket["updated_at"]
    said = cli.ok("tickets", "update", ticket["id"], "--priority", "urgent")
    assert f"Updated ticket {ticket['id']}: priority urgent, tags billing, refund, vip." in said
    tagged = cli.json("tickets", "list", "--tag", "refund", "--per-page", "100")
    assert [t["id"] for t in tagged] == [ticket["id"]]
    assert cli.json("tickets", "list", "--tag", "refund", "--priority", "low") == []
    by_activity = cli.json("tickets", "list", "--sort-by", "updated_at", "--per-page", "100")
    assert ticket["id"] in [t["id"] for t in by_activity]
    assert cli.json("tickets", "update", ticket["id"], "--no-tags")["tags"] == []

    note = cli.json("tickets", "note", ticket["id"], "Called them, all good")
    assert (note["object"], note["text"]) == ("ticket_note", "Called them, all good")
    assert cli.json("tickets", "notes", ticket["id"]) == [note]
    notes_table = cli.ok("tickets", "notes", ticket["id"])
    assert "Called them, all good" in notes_table and "(1 note in all)" in notes_table
    shown = cli.ok("tickets", "show", ticket["id"])
    assert "Internal notes (1, newest first)" in shown and "Called them, all good" in shown
    assert "urgent" in shown


@pytest.mark.parametrize(
    ("args", "phrases"),
    [
        (["update", "{id}"], ["nothing to update"]),
        (["update", "{id}", "--priority", "critical"], ["--priority 'critical'", "urgent"]),
        (["update", "{id}", "--tag", "a", "--no-tags"], ["cannot go together"]),
        (["update", "{id}", "--tag", "x" * 51], ["at most 50 characters", "HTTP 400"]),
        (["list", "--sort-by", "activity"], ["--sort-by 'activity'"]),
        (["note", "{id}", " "], ["text: String should have at least 1 character", "HTTP 400"]),
        (["notes", "6f0c1d0e-0000-4000-8000-000000000000"], ["No ticket with id", "HTTP 404"]),
    ],
)
def test_tickets_tools_refuse_bad_input_in_one_line(
    cli: Cli, args: list[str], phrases: list[str]
) -> None:
    ticket = cli.json("trigger", CREATED)
    filled = [arg.replace("{id}", ticket["id"]) for arg in args]
    assert_clean_failure(cli.run("tickets", *filled), *phrases)


def test_saved_replies_create_list_update_delete(cli: Cli) -> None:
    text = "Hello {{client.name}}, {{ticket.title}} is fixed. {{teammate.name}}"
    saved = cli.json("saved-replies", "create", "--title", "Fixed", "--text", text)
    assert (saved["object"], saved["title"], saved["text"]) == ("saved_reply", "Fixed", text)
    other = cli.json("saved-replies", "create", "--title", "Other", "--text", "Bye")
    assert cli.json("saved-replies", "list", "--per-page", "100") == [other, saved]
    table = cli.ok("saved-replies", "list", "--per-page", "100")
    assert saved["id"] in table and table.splitlines()[-1] == "Page 1 of 1 (2 saved replies in all)"
    renamed = cli.json("saved-replies", "update", saved["id"], "--title", "Done")
    assert (renamed["title"], renamed["text"]) == ("Done", text)
    said = cli.ok("saved-replies", "delete", saved["id"])
    assert said.strip() == f"Deleted saved reply {saved['id']} (Done)."
    assert saved["id"] not in [s["id"] for s in cli.json("saved-replies", "list")]
    refused = cli.run("saved-replies", "create", "--title", "Typo", "--text", "Hi {{client.nmae}}")
    assert_clean_failure(refused, "unknown placeholder {{client.nmae}}", "HTTP 400")
    assert_clean_failure(cli.run("saved-replies", "update", saved["id"]), "nothing to update")


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "args",
    [
        ["endpoints", "list"],
        ["events", "list"],
        ["tickets", "list"],
        ["endpoints", "create", "--url", "http://127.0.0.1:9/x", "--events", CREATED],
    ],
)
def test_a_wrong_key_is_one_clear_line(cli: Cli, args: list[str]) -> None:
    result = cli.run(*args, HOOKDESK_API_KEY="hk_wrong")
    assert_clean_failure(result, "Invalid API key", "HTTP 401")


def test_the_key_and_url_flags_win_over_the_environment(cli: Cli, server: Server) -> None:
    result = cli.run(
        "endpoints", "list", "--api-url", server.url, "--api-key", server.api_key,
        HOOKDESK_API_URL="http://127.0.0.1:9", HOOKDESK_API_KEY="hk_wrong",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert_clean_failure(cli.run("endpoints", "list", "--api-key", "hk_wrong"), "Invalid API key")


def test_no_key_at_all(cli: Cli) -> None:
    result = cli.run("endpoints", "list", HOOKDESK_API_KEY=None)
    assert_clean_failure(result, "no API key", "HOOKDESK_API_KEY")


def test_an_unreachable_url(cli: Cli) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    for args in (["endpoints", "list"], ["trigger", CREATED], ["events", "show", "whev_x"]):
        result = cli.run(*args, "--api-url", url)
        assert_clean_failure(result, f"cannot reach hookdesk at {url}")


@pytest.mark.parametrize("url", ["file:///etc/passwd", "hookdesk.example", "http://[::1"])
def test_an_api_url_that_is_not_http_is_refused(cli: Cli, url: str) -> None:
    result = cli.run("endpoints", "list", "--api-url", url)
    assert_clean_failure(result, "invalid API URL")


@pytest.mark.parametrize(
    "command", [["update", "--disable"], ["delete"], ["rotate-secret"]], ids=lambda c: c[0]
)
def test_an_unknown_endpoint_id(cli: Cli, command: list[str]) -> None:
    unknown = "0a6b1f9e-7a0e-4c7e-9a51-3c1f0f5d2b11"
    result = cli.run("endpoints", command[0], unknown, *command[1:])
    assert_clean_failure(result, f"No webhook endpoint with id '{unknown}'", "HTTP 404")


def test_bad_endpoint_flags(cli: Cli, hook: Receiver) -> None:
    url = ["--url", hook.url]
    assert_clean_failure(cli.run("endpoints", "create", *url), "--events")
    assert_clean_failure(
        cli.run("endpoints", "create", *url, "--events", CREATED, "--header", "NoEquals"),
        "--header 'NoEquals'", "NAME=VALUE",
    )  # fmt: skip
    assert_clean_failure(
        cli.run("endpoints", "create", *url, "--events", "ticket.exploded"),
        "events.0", "whitelabel.ticket.created", "HTTP 400",
    )  # fmt: skip
    assert_clean_failure(
        cli.run("endpoints", "create", *url, "--events", CREATED, "--header", "Host=x"),
        "'Host' is set by hookdesk",
    )  # fmt: skip
    assert_clean_failure(cli.run("endpoints", "update", "some-id"), "nothing to update")


def test_flags_click_refuses_are_one_line_too(cli: Cli) -> None:
    assert_clean_failure(
        cli.run("endpoints", "create", "--events", CREATED), "Missing option '--url'"
    )
    assert_clean_failure(cli.run("events", "list", "--page", "two"), "'--page'")
    assert_clean_failure(cli.run("tickets", "list", "--close"), "No such option: --close")
    assert_clean_failure(cli.run("endpoints", "delete"), "Missing argument 'ENDPOINT_ID'")
    assert_clean_failure(cli.run("trigger"), "Missing argument 'EVENT_TYPE'")


def test_a_real_process_fails_with_one_line_and_no_traceback(cli: Cli) -> None:
    """Outside CliRunner, Typer's own error display is in play: the line must still be alone."""
    result = cli.process("endpoints", "list", HOOKDESK_API_KEY="hk_wrong")
    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "Invalid API key" in result.stderr
    assert result.stdout == ""
    listed = cli.process("endpoints", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert isinstance(json.loads(listed.stdout), list)

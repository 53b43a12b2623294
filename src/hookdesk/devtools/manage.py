"""`hookdesk endpoints|events ...`: manage webhooks and look at their event log over the API."""

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from hookdesk.devtools.client import ApiKey, ApiUrl, AsJson
from hookdesk.devtools.common import (
    Column,
    Listing,
    Object,
    OneLineErrors,
    check_paging,
    clip,
    connect,
    details,
    fail,
    list_table,
    print_json,
    print_page,
    stderr,
    stdout,
    text,
    when,
)
from hookdesk.devtools.help import HelpGroup
from hookdesk.devtools.invocation import as_run_here

ENDPOINTS = "/v2/webhook-endpoints"
EVENTS = "/v2/webhook-events"

endpoints_app = typer.Typer(cls=HelpGroup, help="Manage webhook endpoints.", no_args_is_help=True)
events_app = typer.Typer(
    cls=HelpGroup, help="Look at the webhook event log and resend events.", no_args_is_help=True
)

EndpointId = Annotated[
    str, typer.Argument(help="The endpoint's id.", metavar="ENDPOINT_ID", show_default=False)
]
EventId = Annotated[
    str, typer.Argument(help="The event's id (whev_...).", metavar="EVENT_ID", show_default=False)
]
Page = Annotated[int, typer.Option("--page", help="Page number, from 1.")]
PerPage = Annotated[int, typer.Option("--per-page", help="Items per page (1 to 100).")]
EventsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--events",
        help="New event types: TYPE,TYPE and/or the option repeated.",
        show_default=False,
    ),
]
Description = Annotated[
    str | None, typer.Option("--description", help="A note for people.", show_default=False)
]
RateLimitOption = Annotated[
    int | None,
    typer.Option(
        "--rate-limit",
        help="Deliveries per second to the endpoint at most (1 to 1000).",
        show_default=False,
    ),
]
HeaderOption = Annotated[
    list[str] | None,
    typer.Option(
        "--header",
        help="NAME=VALUE: a request header sent with every delivery (repeatable).",
        show_default=False,
    ),
]


# ----------------------------------------------------------------------------- endpoints


@endpoints_app.command("list", cls=OneLineErrors)
def list_endpoints(api_url: ApiUrl = None, api_key: ApiKey = None, as_json: AsJson = False) -> None:
    """List the account's webhook endpoints (--json: a JSON array of webhook_endpoint objects)."""
    with connect(api_url, api_key) as api:
        answer = api.get(f"{ENDPOINTS}/list", page=1, per_page=100)  # 100 is the account maximum
    found: list[Object] = answer["webhook_endpoints"]
    if as_json:
        print_json(found)
        return
    if not found:
        hint = "No webhook endpoints yet: add one with `hookdesk endpoints create`."
        stdout().print(as_run_here(hint))
        return
    console = stdout()
    title = f"Webhook endpoints ({len(found)})"
    console.print(list_table(title, ENDPOINT_COLUMNS, found, console.width))


@endpoints_app.command("create", cls=OneLineErrors)
def create_endpoint(
    url: Annotated[str, typer.Option("--url", help="Where to POST events.", show_default=False)],
    events: Annotated[
        list[str] | None,
        typer.Option(
            "--events",
            help="Event types to send (required): TYPE,TYPE and/or the option repeated.",
            show_default=False,
        ),
    ] = None,
    description: Description = None,
    ordered: Annotated[
        bool, typer.Option("--ordered", help="Deliver each ticket's events in order.")
    ] = False,
    header: HeaderOption = None,
    rate_limit: RateLimitOption = None,
    api_url: ApiUrl = None,
    api_key: ApiKey = None,
    as_json: AsJson = False,
) -> None:
    """Create an endpoint; prints its signing secret, which is shown only this once."""
    body: Object = {"url": url, "events": _event_types(events, required=True)}
    body.update(ordered=ordered, headers=_headers(header), rate_limit=rate_limit)
    if description is not None:
        body["description"] = description
    with connect(api_url, api_key) as api:
        endpoint: Object = api.post(f"{ENDPOINTS}/create", body)["webhook_endpoint"]
    if as_json:
        print_json(endpoint)
        return
    console = stdout()
    console.print(_endpoint_details("Created webhook endpoint", endpoint))
    _show_secret(console, endpoint["secret"])


@endpoints_app.command("update", cls=OneLineErrors)
def update_endpoint(
    endpoint_id: EndpointId,
    url: Annotated[str | None, typer.Option("--url", help="A new URL.", show_default=False)] = None,
    events: EventsOption = None,
    description: Annotated[
        str | None,
        typer.Option("--description", help="A new note; '' clears it.", show_default=False),
    ] = None,
    enabled: Annotated[
        bool | None,
        typer.Option("--enable/--disable", help="Resume or stop deliveries.", show_default=False),
    ] = None,
    rate_limit: RateLimitOption = None,
    no_rate_limit: Annotated[
        bool, typer.Option("--no-rate-limit", help="Remove the endpoint's rate limit.")
    ] = False,
    api_url: ApiUrl = None,
    api_key: ApiKey = None,
    as_json: AsJson = False,
) -> None:
    """Change an endpoint's URL, events, description or status; the rest stays as it is."""
    body: Object = {}
    if url is not None:
        body["url"] = url
    if events is not None:
        body["events"] = _event_types(events, required=True)
    if description is not None:
        body["description"] = description or None
    if enabled is not None:
        body["status"] = "enabled" if enabled else "disabled"
    if rate_limit is not None or no_rate_limit:
        body["rate_limit"] = rate_limit
    if not body:
        fail(
            "nothing to update: pass --url, --events, --description, --enable, --disable, "
            "--rate-limit or --no-rate-limit"
        )
    with connect(api_url, api_key) as api:
        endpoint: Object = api.post(f"{ENDPOINTS}/update/{endpoint_id}", body)["webhook_endpoint"]
    if as_json:
        print_json(endpoint)
        return
    stdout().print(_endpoint_details("Updated webhook endpoint", endpoint))


@endpoints_app.command("delete", cls=OneLineErrors)
def delete_endpoint(
    endpoint_id: EndpointId, api_url: ApiUrl = None, api_key: ApiKey = None, as_json: AsJson = False
) -> None:
    """Delete an endpoint; its pending deliveries are cancelled, its event log stays."""
    with connect(api_url, api_key) as api:
        endpoint: Object = api.post(f"{ENDPOINTS}/delete/{endpoint_id}")["webhook_endpoint"]
    if as_json:
        print_json(endpoint)
        return
    stdout().print(
        f"Deleted webhook endpoint {endpoint['id']} ({text(endpoint['url'])}); "
        "its pending deliveries are cancelled."
    )


@endpoints_app.command("rotate-secret", cls=OneLineErrors)
def rotate_secret(
    endpoint_id: EndpointId, api_url: ApiUrl = None, api_key: ApiKey = None, as_json: AsJson = False
) -> None:
    """Give an endpoint a new signing secret; the old one keeps signing beside it for 24 h."""
    with connect(api_url, api_key) as api:
        endpoint: Object = api.post(f"{ENDPOINTS}/rotate-secret/{endpoint_id}")["webhook_endpoint"]
    if as_json:
        print_json(endpoint)
        return
    console = stdout()
    console.print(f"Rotated the signing secret of webhook endpoint {endpoint['id']}.")
    _show_secret(console, endpoint["secret"])
    console.print(
        "For the next 24 hours every delivery is signed with both the new and the old secret: "
        "switch your receiver to the new one within that time."
    )


def _event_types(values: list[str] | None, *, required: bool) -> list[str]:
    types = [part.strip() for value in values or [] for part in value.split(",") if part.strip()]
    if required and not types:
        fail("--events needs at least one event type, such as whitelabel.ticket.created")
    return types


def _headers(values: list[str] | None) -> dict[str, str]:
    headers: dict[str, str] = {}
    for value in values or []:
        name, equals, content = value.partition("=")
        if not equals or not name.strip():
            fail(f"--header {value!r}: write it as NAME=VALUE")
        headers[name.strip()] = content.strip()
    return headers


def _show_secret(console: Console, secret: str) -> None:
    console.print(f"Signing secret: [bold]{secret}[/bold]")
    console.print(
        "[yellow]This secret is shown only once: store it now, in your receiver's "
        "configuration.[/yellow]"
    )


def _status(endpoint: Object) -> str:
    if endpoint["status"] == "enabled":
        return "[green]enabled[/green]"
    reason = endpoint.get("disabled_reason")
    return "[red]disabled[/red]" + (f" ({text(reason)})" if reason else "")


ENDPOINT_COLUMNS = (
    Column("ID", lambda e: e["id"], 36, priority=0, no_wrap=True),
    Column("URL", lambda e: text(e["url"]), 24, priority=0),
    Column("Events", lambda e: "\n".join(e["events"]), 25, priority=1),
    Column("Status", _status, 8, priority=1),
    Column("Ordered", lambda e: "yes" if e.get("ordered") else "no", 7, priority=3),
    Column("Description", lambda e: text(e["description"]), 16, priority=3),
    Column("Created (UTC)", lambda e: when(e["created_at"], zone=False), 19, priority=2),
)


def _endpoint_details(title: str, endpoint: Object) -> Table:
    headers = endpoint.get("headers") or {}
    return details(
        title,
        [
            ("ID", endpoint["id"]),
            ("URL", text(endpoint["url"])),
            ("Events", ", ".join(endpoint["events"])),
            ("Status", _status(endpoint)),
            ("Ordered", "yes" if endpoint.get("ordered") else "no"),
            ("Headers", text(", ".join(headers)) if headers else "-"),
            ("Rate limit", f"{rate}/s" if (rate := endpoint.get("rate_limit")) else "none"),
            ("Description", text(endpoint["description"])),
            ("Created", when(endpoint["created_at"])),
        ],
    )


# ----------------------------------------------------------------------------- events


@events_app.command("list", cls=OneLineErrors)
def list_events(
    endpoint: Annotated[
        str | None, typer.Option("--endpoint", help="Only this endpoint's.", show_default=False)
    ] = None,
    event_type: Annotated[
        str | None, typer.Option("--type", help="Only this event type.", show_default=False)
    ] = None,
    status: Annotated[
        str | None,
        typer.Option(
            "--status", help="pending, delivered, failed or cancelled.", show_default=False
        ),
    ] = None,
    page: Page = 1,
    per_page: PerPage = 20,
    api_url: ApiUrl = None,
    api_key: ApiKey = None,
    as_json: AsJson = False,
) -> None:
    """List events sent to endpoints, newest first (--json: a JSON array of webhook_event)."""
    check_paging(page, per_page)
    filters = {"endpoint_id": endpoint, "event_type": event_type, "status": status}
    with connect(api_url, api_key) as api:
        answer = api.get(f"{EVENTS}/list", page=page, per_page=per_page, **filters)
    print_page(answer, EVENT_LISTING, page, per_page, as_json)


@events_app.command("show", cls=OneLineErrors)
def show_event(
    event_id: EventId, api_url: ApiUrl = None, api_key: ApiKey = None, as_json: AsJson = False
) -> None:
    """Show an event: its state, the exact payload sent, and every delivery attempt."""
    with connect(api_url, api_key) as api:
        event: Object = api.get(f"{EVENTS}/retrieve/{event_id}")["webhook_event"]
    if as_json:
        print_json(event)
        return
    console = stdout()
    console.print(_event_details(event))
    console.print("[bold]Payload[/bold]")
    console.print_json(data=event["payload"])
    attempts: list[Object] = event.get("attempts") or []
    if attempts:
        console.print(_attempts_table(attempts, console.width))
    else:
        console.print("No delivery attempts yet.")


@events_app.command("resend", cls=OneLineErrors)
def resend_event(
    event_id: EventId, api_url: ApiUrl = None, api_key: ApiKey = None, as_json: AsJson = False
) -> None:
    """Send an event again now: the same body and webhook-id, freshly signed."""
    with connect(api_url, api_key) as api, stderr().status(f"Resending {event_id}…"):
        event: Object = api.post(f"{EVENTS}/resend/{event_id}")["webhook_event"]
    if as_json:
        print_json(event)
        return
    event_id = event["id"]
    see = as_run_here(f"See `hookdesk events show {event_id}`.")
    stdout().print(
        f"Queued {event_id} ({event['event_type']}) again for endpoint {event['endpoint_id']}: "
        f"the same body and webhook-id, freshly signed. {see}"
    )


_EVENT_STATUS_STYLE = {
    "delivered": "green",
    "failed": "red",
    "cancelled": "dim",
    "pending": "yellow",
}


def _event_status(status: str) -> str:
    style = _EVENT_STATUS_STYLE.get(status, "")
    return f"[{style}]{status}[/{style}]" if style else text(status)


EVENT_COLUMNS = (
    Column("Event ID", lambda e: e["id"], 22, priority=0, no_wrap=True),
    Column("Type", lambda e: e["event_type"], 25, priority=1),
    Column("Endpoint", lambda e: e["endpoint_id"], 36, priority=3),
    Column("Status", lambda e: _event_status(e["status"]), 9, priority=0),
    Column("Tries", lambda e: str(e["attempt_count"]), 5, priority=2),
    Column("Next attempt (UTC)", lambda e: when(e["next_attempt_at"], zone=False), 19, priority=4),
    Column("Created (UTC)", lambda e: when(e["created_at"], zone=False), 19, priority=2),
)
EVENT_LISTING = Listing(
    key="webhook_events",
    table=lambda found, width: list_table("Webhook events", EVENT_COLUMNS, found, width),
    empty="No webhook events match.",
    noun="event",
)


def _event_details(event: Object) -> Table:
    return details(
        f"Webhook event {event['id']}",
        [
            ("Type", event["event_type"]),
            ("Endpoint", event["endpoint_id"]),
            ("Status", _event_status(event["status"])),
            ("Attempts", str(event["attempt_count"])),
            ("Next attempt", when(event["next_attempt_at"])),
            ("Created", when(event["created_at"])),
        ],
    )


ATTEMPT_COLUMNS = (
    Column("#", lambda a: str(a["number"]), 2, priority=0),
    Column("At (UTC)", lambda a: when(a["at"], zone=False), 19, priority=0, no_wrap=True),
    Column("HTTP", lambda a: text(a["status_code"]), 4, priority=0),
    Column("Took", lambda a: f"{a['duration_ms']} ms", 8, priority=2),
    Column("Error", lambda a: text(a["error"]), 20, priority=1),
    Column("Response body", lambda a: text(clip(a["response_body"], 80)), 20, priority=3),
)


def _attempts_table(attempts: list[Object], width: int) -> Table:
    numbered = [{**attempt, "number": n} for n, attempt in enumerate(attempts, start=1)]
    return list_table("Delivery attempts", ATTEMPT_COLUMNS, numbered, width)

"""`hookdesk trigger EVENT_TYPE`: make a real sample event happen by driving the API.

Unlike `POST /v2/webhook-endpoints/test/{id}` (a made-up ticket, one endpoint), this changes a
real sample ticket, so every subscribed endpoint receives the event the way it would in use.
An operational event cannot be made to happen without breaking an endpoint, so for those every
enabled endpoint subscribed to the type gets a sample through the test route instead.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated

import typer
from rich.status import Status
from rich.table import Table

from hookdesk.devtools.client import Api, ApiError, ApiKey, ApiUrl, AsJson
from hookdesk.devtools.common import Object, connect, fail, print_json, stderr, stdout, text
from hookdesk.devtools.invocation import as_run_here
from hookdesk.webhooks.catalog import OPERATIONAL_EVENT_TYPES, EventType

CREATED = EventType.TICKET_CREATED.value
SAMPLE_CLIENT = {"name": "Sample Client", "email": "sample.client@example.com"}
SAMPLE_AGENT = {"name": "Sample Agent", "email": "sample.agent@example.com"}
SAMPLE_CATEGORY = {
    "title": "Sample Support",
    "language": "en",
    "automated_reply": "Thanks for contacting our support. An agent will be with you shortly.",
}
SAMPLE_TICKET = {
    "title": "Help with account",
    "description": "I cannot find the billing settings of my account. Could you help?",
    "is_client_reply": True,
}
SAMPLE_REPLY = "Your request is under investigation. We will provide an update as soon as possible."


@dataclass
class Run:
    """The API, the spinner and the log of what a trigger did."""

    api: Api
    status: Status
    steps: list[tuple[str, str]] = field(default_factory=list)
    emitted: list[str] = field(default_factory=list)

    def doing(self, activity: str) -> None:
        self.status.update(f"{activity}…")

    def done(self, what: str, result: str, *, emitted: str | None = None) -> None:
        self.steps.append((what, result + (f"  → [bold]{emitted}[/bold]" if emitted else "")))
        if emitted:
            self.emitted.append(emitted)


def trigger(
    event_type: Annotated[
        str,
        typer.Argument(
            help="One of: " + ", ".join(t.value for t in EventType),
            metavar="EVENT_TYPE",
            show_default=False,
        ),
    ],
    api_url: ApiUrl = None,
    api_key: ApiKey = None,
    as_json: AsJson = False,
) -> None:
    """Make a real sample event of EVENT_TYPE happen, for every endpoint subscribed to it.

    It drives the API as an agent would: a sample client, category (with an automated reply) and,
    for `assigned`, teammate (each made once, then reused), and a new sample ticket. Every type
    but `whitelabel.ticket.created` opens that ticket first, so it also emits a
    `whitelabel.ticket.created` event. --json prints the final ticket.

    For the operational types (webhook_endpoint.disabled, webhook_event.failed) each enabled
    endpoint subscribed to the type gets a sample, about a made-up endpoint or delivery, as
    `POST /v2/webhook-endpoints/test/{id}` sends it; --json prints the event ids sent.
    """
    kind = _event_type(event_type)
    if kind in OPERATIONAL_EVENT_TYPES:
        _trigger_samples(kind, api_url, api_key, as_json=as_json)
        return
    with connect(api_url, api_key) as api, stderr().status("Starting…") as status:
        run = Run(api, status)
        ticket = ACTIONS[kind](run, _open_ticket(run))
        unheard = not _subscribed(run, kind)
    if as_json:
        print_json(ticket)
        return
    _report(run, ticket, kind, unheard)


def _trigger_samples(
    kind: EventType, api_url: str | None, api_key: str | None, *, as_json: bool
) -> None:
    with connect(api_url, api_key) as api, stderr().status("Starting…") as status:
        run = Run(api, status)
        sent = [_send_sample(run, endpoint, kind) for endpoint in _subscribed(run, kind)]
    if as_json:
        print_json(sent)
        return
    console = stdout()
    for endpoint in sent:
        console.print(f"Sample {kind.value} sent to {endpoint['url']}: {endpoint['event_id']}")
    if not sent:
        _warn_unheard(kind)


def _send_sample(run: Run, endpoint: Object, kind: EventType) -> Object:
    run.doing(f"Sending a sample to {endpoint['url']}")
    body = {"event_type": kind.value}
    answer = run.api.post(f"/v2/webhook-endpoints/test/{endpoint['id']}", body)
    return {"endpoint_id": endpoint["id"], "url": endpoint["url"], "event_id": answer["event_id"]}


def _event_type(value: str) -> EventType:
    try:
        return EventType(value.strip())
    except ValueError:
        valid = ", ".join(t.value for t in EventType)
        fail(f"unknown event type {value!r}: use one of {valid}")


def _open_ticket(run: Run) -> Object:
    client = _find_or_create(run, "client", "/v2/agency/clients", SAMPLE_CLIENT, "email")
    category = _find_or_create(
        run, "ticket_category", "/v2/agency/ticket-categories", SAMPLE_CATEGORY, "title"
    )
    run.doing("Opening a sample ticket")
    body = {**SAMPLE_TICKET, "client_id": client["id"], "category": category["id"]}
    ticket: Object = run.api.post("/v2/agency/tickets/create", body)["ticket"]
    run.done("Ticket", f"opened {ticket['id']}", emitted=CREATED)
    return ticket


def _reply(run: Run, ticket: Object) -> Object:
    run.doing("Replying to the ticket")
    body = {"reply": SAMPLE_REPLY, "is_client_reply": False}
    answer: Object = run.api.post(f"/v2/agency/tickets/reply/create/{ticket['id']}", body)["ticket"]
    run.done("Reply", "an agent's reply added", emitted=EventType.TICKET_UPDATED.value)
    return answer


def _assign(run: Run, ticket: Object) -> Object:
    agent = _find_or_create(run, "teammate", "/v2/agency/teammates", SAMPLE_AGENT, "email")
    run.doing("Assigning the ticket")
    body = {"teammate_id": agent["id"]}
    answer: Object = run.api.post(f"/v2/agency/tickets/assign/{ticket['id']}", body)["ticket"]
    run.done("Assignment", f"assigned to {agent['name']}", emitted=EventType.TICKET_ASSIGNED.value)
    return answer


def _resolve(run: Run, ticket: Object) -> Object:
    run.doing("Resolving the ticket")
    answer: Object = run.api.post(f"/v2/agency/tickets/resolve/{ticket['id']}", {})["ticket"]
    run.done("Resolution", "resolved (closed)", emitted=EventType.TICKET_RESOLVED.value)
    return answer


def _keep(_run: Run, ticket: Object) -> Object:
    return ticket


ACTIONS: dict[EventType, Callable[[Run, Object], Object]] = {
    EventType.TICKET_CREATED: _keep,
    EventType.TICKET_UPDATED: _reply,
    EventType.TICKET_ASSIGNED: _assign,
    EventType.TICKET_RESOLVED: _resolve,
}


def _find_or_create(run: Run, noun: str, route: str, sample: dict[str, str], key: str) -> Object:
    """The account's sample object (the one whose `key` matches), made if there is none yet."""
    label = noun.replace("_", " ")
    run.doing(f"Looking for the sample {label}")
    found = _find(run.api, route, noun, key, sample[key])
    if found is not None:
        run.done(label.capitalize(), f"reused {text(found[_name_field(noun)])} ({found['id']})")
        return found
    run.doing(f"Creating the sample {label}")
    made = _create(run.api, route, noun, sample, key)
    run.done(label.capitalize(), f"created {text(made[_name_field(noun)])} ({made['id']})")
    return made


def _create(api: Api, route: str, noun: str, sample: dict[str, str], key: str) -> Object:
    try:
        made: Object = api.post(f"{route}/create", sample)[noun]
    except ApiError:  # another run made it meanwhile (409), or a real failure
        again = _find(api, route, noun, key, sample[key])
        if again is None:
            raise
        return again
    return made


def _find(api: Api, route: str, noun: str, key: str, value: str) -> Object | None:
    plural = "ticket_categories" if noun == "ticket_category" else f"{noun}s"
    page = 1
    while True:
        answer = api.get(f"{route}/list", page=page, per_page=100)
        items: list[Object] = answer[plural]
        for item in items:
            if item[key] == value:
                return item
        if not items or page * 100 >= answer["total_results"]:
            return None
        page += 1


def _name_field(noun: str) -> str:
    return "title" if noun == "ticket_category" else "name"


def _subscribed(run: Run, kind: EventType) -> list[Object]:
    """The account's enabled endpoints that subscribe to this event type (at most 100 exist)."""
    run.doing("Checking the endpoints")
    answer = run.api.get("/v2/webhook-endpoints/list", page=1, per_page=100)
    endpoints: list[Object] = answer["webhook_endpoints"]
    return [e for e in endpoints if e["status"] == "enabled" and kind.value in e["events"]]


def _report(run: Run, ticket: Object, kind: EventType, unheard: bool) -> None:
    console = stdout()
    table = Table(title=f"Triggered {kind.value}", show_header=False, title_justify="left")
    table.add_column("step", style="bold")
    table.add_column("result", overflow="fold")
    for what, result in run.steps:
        table.add_row(what, result)
    console.print(table)
    console.print(f"Ticket id: {ticket['id']}")
    events = ", ".join(run.emitted)
    console.print(f"Events emitted: {events} (each to every enabled endpoint subscribed to it).")
    if len(run.emitted) > 1:
        console.print(f"The sample ticket is new, so a {CREATED} event came first.")
    if unheard:
        _warn_unheard(kind)


def _warn_unheard(kind: EventType) -> None:
    hint = as_run_here("Add one with `hookdesk endpoints create`.")
    stdout().print(
        f"[yellow]No enabled endpoint subscribes to {kind.value}: nobody receives it. "
        f"{hint}[/yellow]"
    )

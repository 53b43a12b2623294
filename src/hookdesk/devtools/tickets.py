"""`hookdesk tickets ...`: look at tickets and their conversations, tag them, set their priority
and write internal notes, over the API."""

from typing import Annotated

import typer
from rich.console import Group
from rich.panel import Panel
from rich.table import Table

from hookdesk.devtools.client import Api, ApiKey, ApiUrl, AsJson
from hookdesk.devtools.common import (
    Column,
    Listing,
    Object,
    OneLineErrors,
    check_paging,
    connect,
    details,
    fail,
    list_table,
    print_json,
    print_page,
    stdout,
    text,
    when,
)
from hookdesk.devtools.help import HelpGroup

TICKETS = "/v2/agency/tickets"
PRIORITIES = ("low", "normal", "high", "urgent")
SORTS = ("created_at", "updated_at", "title")

tickets_app = typer.Typer(
    cls=HelpGroup,
    help="Look at tickets and their conversations; tag them, set their priority, write notes.",
    no_args_is_help=True,
)

TicketId = Annotated[
    str, typer.Argument(help="The ticket's id.", metavar="TICKET_ID", show_default=False)
]
Page = Annotated[int, typer.Option("--page", help="Page number, from 1.")]
PerPage = Annotated[int, typer.Option("--per-page", help="Items per page (1 to 100).")]


@tickets_app.command("list", cls=OneLineErrors)
def list_tickets(
    closed: Annotated[
        bool | None,
        typer.Option(
            "--closed/--open", help="Only closed or only open tickets.", show_default=False
        ),
    ] = None,
    page: Page = 1,
    per_page: PerPage = 20,
    text_filter: Annotated[
        str | None,
        typer.Option(
            "--filter",
            help="Text in the title, a reply, or the client's name or email.",
            show_default=False,
        ),
    ] = None,
    tag: Annotated[
        str | None, typer.Option("--tag", help="Only tickets with this tag.", show_default=False)
    ] = None,
    priority: Annotated[
        str | None,
        typer.Option(
            "--priority", help="Only tickets of this priority: low, normal, high or urgent."
        ),
    ] = None,
    sort_by: Annotated[
        str,
        typer.Option(
            "--sort-by", help="created_at, updated_at (the last activity) or title; newest first."
        ),
    ] = "created_at",
    api_url: ApiUrl = None,
    api_key: ApiKey = None,
    as_json: AsJson = False,
) -> None:
    """List tickets, newest first (--json: a JSON array of ticket objects)."""
    check_paging(page, per_page)
    _check_choice("--priority", priority, PRIORITIES)
    _check_choice("--sort-by", sort_by, SORTS)
    query = {"closed": closed, "filter": text_filter, "tag": tag, "priority": priority}
    with connect(api_url, api_key) as api:
        answer = api.get(f"{TICKETS}/list", page=page, per_page=per_page, sort_by=sort_by, **query)
        found: list[Object] = answer["tickets"]
        names = {} if as_json else _teammate_names(api, found)
    listing = Listing(
        key="tickets",
        table=lambda tickets, width: _tickets_table(tickets, names, width),
        empty="No tickets match.",
        noun="ticket",
    )
    print_page(answer, listing, page, per_page, as_json)


@tickets_app.command("show", cls=OneLineErrors)
def show_ticket(
    ticket_id: TicketId, api_url: ApiUrl = None, api_key: ApiKey = None, as_json: AsJson = False
) -> None:
    """Show a ticket, its conversation and its internal notes (--json: the ticket object)."""
    with connect(api_url, api_key) as api:
        ticket: Object = api.get(f"{TICKETS}/retrieve/{ticket_id}")["ticket"]
        if as_json:
            print_json(ticket)
            return
        names = _teammate_names(api, [ticket])
        notes = api.get(f"{TICKETS}/notes/list/{ticket_id}", page=1, per_page=100)
    console = stdout()
    console.print(_ticket_details(ticket, names))
    console.print(f"[bold]Conversation[/bold] ({len(ticket['replies'])} replies)")
    for reply in ticket["replies"]:
        console.print(_reply_panel(reply, ticket["client"]))
    if notes["total_results"]:
        console.print(f"[bold]Internal notes[/bold] ({notes['total_results']}, newest first)")
        for note in notes["ticket_notes"]:
            console.print(_note_panel(note))


@tickets_app.command("update", cls=OneLineErrors)
def update_ticket(
    ticket_id: TicketId,
    tags: Annotated[
        list[str] | None,
        typer.Option(
            "--tag",
            help="The ticket's tags, replacing those it has: TAG,TAG and/or the option repeated.",
            show_default=False,
        ),
    ] = None,
    no_tags: Annotated[
        bool, typer.Option("--no-tags", help="Remove all of the ticket's tags.")
    ] = False,
    priority: Annotated[
        str | None,
        typer.Option("--priority", help="low, normal, high or urgent.", show_default=False),
    ] = None,
    api_url: ApiUrl = None,
    api_key: ApiKey = None,
    as_json: AsJson = False,
) -> None:
    """Set a ticket's tags or priority; no event is sent and its last activity stays."""
    body: Object = {}
    if tags is not None and no_tags:
        fail("--tag and --no-tags cannot go together")
    if tags is not None:
        body["tags"] = [part.strip() for tag in tags for part in tag.split(",") if part.strip()]
    if no_tags:
        body["tags"] = []
    if priority is not None:
        _check_choice("--priority", priority, PRIORITIES)
        body["priority"] = priority
    if not body:
        fail("nothing to update: pass --tag, --no-tags or --priority")
    with connect(api_url, api_key) as api:
        ticket: Object = api.post(f"{TICKETS}/update/{ticket_id}", body)["ticket"]
    if as_json:
        print_json(ticket)
        return
    stdout().print(
        f"Updated ticket {ticket['id']}: priority {ticket['priority']}, tags {_tags(ticket)}."
    )


@tickets_app.command("note", cls=OneLineErrors)
def write_note(
    ticket_id: TicketId,
    note_text: Annotated[str, typer.Argument(help="The note.", metavar="TEXT", show_default=False)],
    teammate_id: Annotated[
        str | None,
        typer.Option("--teammate-id", help="The teammate who wrote it.", show_default=False),
    ] = None,
    api_url: ApiUrl = None,
    api_key: ApiKey = None,
    as_json: AsJson = False,
) -> None:
    """Write an internal note on a ticket: teammates see it, clients and webhooks never do."""
    body: Object = {"text": note_text}
    if teammate_id is not None:
        body["teammate_id"] = teammate_id
    with connect(api_url, api_key) as api:
        note: Object = api.post(f"{TICKETS}/notes/create/{ticket_id}", body)["ticket_note"]
    if as_json:
        print_json(note)
        return
    stdout().print(f"Wrote internal note {note['id']} on ticket {ticket_id}.")


@tickets_app.command("notes", cls=OneLineErrors)
def list_notes(
    ticket_id: TicketId,
    page: Page = 1,
    per_page: PerPage = 20,
    api_url: ApiUrl = None,
    api_key: ApiKey = None,
    as_json: AsJson = False,
) -> None:
    """List a ticket's internal notes, newest first (--json: a JSON array of ticket_note
    objects)."""
    check_paging(page, per_page)
    with connect(api_url, api_key) as api:
        answer = api.get(f"{TICKETS}/notes/list/{ticket_id}", page=page, per_page=per_page)
    listing = Listing(
        key="ticket_notes",
        table=lambda notes, width: list_table("Internal notes", NOTE_COLUMNS, notes, width),
        empty="No internal notes on this ticket.",
        noun="note",
    )
    print_page(answer, listing, page, per_page, as_json)


def _check_choice(flag: str, value: str | None, choices: tuple[str, ...]) -> None:
    if value is not None and value not in choices:
        fail(f"{flag} {value!r}: choose {', '.join(choices[:-1])} or {choices[-1]}")


def _state(ticket: Object) -> str:
    return "[green]open[/green]" if ticket["is_open"] else "[dim]closed[/dim]"


def _tags(ticket: Object) -> str:
    return text(", ".join(ticket["tags"])) if ticket["tags"] else "none"


def _teammate_names(api: Api, tickets: list[Object]) -> dict[str, str]:
    """Teammates' names by id, when a ticket has one (the first 100 teammates: a table aid)."""
    if not any(ticket["teammate_id"] for ticket in tickets):
        return {}
    answer = api.get("/v2/agency/teammates/list", page=1, per_page=100)
    return {teammate["id"]: teammate["name"] for teammate in answer["teammates"]}


def _teammate(ticket: Object, names: dict[str, str], *, with_id: bool) -> str:
    teammate_id = ticket["teammate_id"]
    name = names.get(teammate_id or "")
    if name is None:
        return text(teammate_id)
    return f"{text(name)} ({teammate_id})" if with_id else text(name)


def _tickets_table(tickets: list[Object], names: dict[str, str], width: int) -> Table:
    columns = (
        Column("ID", lambda t: t["id"], 36, priority=0, no_wrap=True),
        Column("Title", lambda t: text(t["title"]), 16, priority=0),
        Column("Client", lambda t: text(t["client"]["name"]), 14, priority=2),
        Column("State", _state, 6, priority=1),
        Column("Priority", lambda t: t["priority"], 8, priority=2),
        Column("Teammate", lambda t: _teammate(t, names, with_id=False), 12, priority=3),
        Column("Tags", lambda t: text(", ".join(t["tags"])), 12, priority=4),
        Column("Replies", lambda t: str(len(t["replies"])), 7, priority=4),
        Column("Category", lambda t: text(t["category"]), 14, priority=4),
        Column("Updated (UTC)", lambda t: when(t["updated_at"], zone=False), 19, priority=2),
    )
    return list_table("Tickets", columns, tickets, width)


def _ticket_details(ticket: Object, names: dict[str, str]) -> Table:
    client = ticket["client"]
    subcategory = ticket["subcategory"]
    category = text(ticket["category"]) + (f" / {text(subcategory)}" if subcategory else "")
    return details(
        f"Ticket {ticket['id']}",
        [
            ("Title", text(ticket["title"])),
            ("State", _state(ticket)),
            ("Priority", ticket["priority"]),
            ("Tags", _tags(ticket)),
            ("Client", f"{text(client['name'])} <{text(client['email'])}> ({client['id']})"),
            ("Teammate", _teammate(ticket, names, with_id=True)),
            ("Category", category),
            ("Language", text(ticket["language"])),
            ("Created", when(ticket["created_at"])),
            ("Updated", when(ticket["updated_at"])),
        ],
    )


def _reply_panel(reply: Object, client: Object) -> Panel:
    author = f"Client: {text(client['name'])}" if reply["is_client_reply"] else "Agent"
    body: list[str] = [text(reply["text"])]
    for asset in reply.get("assets") or []:
        body.append(f"[dim]attached: {text(asset['filename'])} {text(asset['public_url'])}[/dim]")
    return Panel(
        Group(*body),
        title=f"{author} · {when(reply['created_at'])}",
        title_align="left",
        border_style="cyan" if reply["is_client_reply"] else "magenta",
    )


def _note_panel(note: Object) -> Panel:
    author = f"Note by {note['teammate_id']}" if note["teammate_id"] else "Note"
    return Panel(
        text(note["text"]),
        title=f"{author} · {when(note['created_at'])}",
        title_align="left",
        border_style="yellow",
    )


NOTE_COLUMNS = (
    Column("ID", lambda n: n["id"], 36, priority=0, no_wrap=True),
    Column("Note", lambda n: text(n["text"]), 24, priority=0),
    Column("Teammate", lambda n: text(n["teammate_id"]), 36, priority=2),
    Column("Created (UTC)", lambda n: when(n["created_at"], zone=False), 19, priority=1),
)

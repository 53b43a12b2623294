"""`hookdesk mail list|show`: the account's mail log over the API."""

from typing import Annotated

import typer

from hookdesk.devtools.client import ApiKey, ApiUrl, AsJson
from hookdesk.devtools.common import (
    Column,
    Listing,
    Object,
    OneLineErrors,
    check_paging,
    connect,
    details,
    list_table,
    print_json,
    print_page,
    stdout,
    text,
    when,
)
from hookdesk.devtools.help import HelpGroup

MESSAGES = "/v2/agency/mail/messages"

mail_app = typer.Typer(
    cls=HelpGroup,
    help="Look at the mail sent and received: notifications, replies, ignored mail.",
    no_args_is_help=True,
)

MessageId = Annotated[
    str, typer.Argument(help="The mail message's id.", metavar="MESSAGE_ID", show_default=False)
]

_STATUS_STYLE = {
    "sent": "green",
    "applied": "green",
    "failed": "red",
    "ignored": "dim",
    "pending": "yellow",
}


def _status(status: str) -> str:
    style = _STATUS_STYLE.get(status, "")
    return f"[{style}]{status}[/{style}]" if style else text(status)


COLUMNS = (
    Column("Message ID", lambda m: m["id"], 36, priority=0, no_wrap=True),
    Column("Direction", lambda m: m["direction"], 8, priority=1),
    Column("Kind", lambda m: m["kind"], 15, priority=1),
    Column("To", lambda m: text(m["to"]), 28, priority=2),
    Column("Status", lambda m: _status(m["status"]), 8, priority=0),
    Column("Tries", lambda m: str(m["attempt_count"]), 5, priority=3),
    Column("Created (UTC)", lambda m: when(m["created_at"], zone=False), 19, priority=2),
)
LISTING = Listing(
    key="mail_messages",
    table=lambda found, width: list_table("Mail", COLUMNS, found, width),
    empty="No mail matches.",
    noun="message",
)


@mail_app.command("list", cls=OneLineErrors)
def list_mail(
    direction: Annotated[
        str | None,
        typer.Option("--direction", help="outbound or inbound.", show_default=False),
    ] = None,
    status: Annotated[
        str | None,
        typer.Option(
            "--status", help="pending, sent, failed, applied or ignored.", show_default=False
        ),
    ] = None,
    ticket: Annotated[
        str | None, typer.Option("--ticket", help="Only this ticket's mail.", show_default=False)
    ] = None,
    page: Annotated[int, typer.Option("--page", help="Page number, from 1.")] = 1,
    per_page: Annotated[int, typer.Option("--per-page", help="Items per page (1 to 100).")] = 20,
    api_url: ApiUrl = None,
    api_key: ApiKey = None,
    as_json: AsJson = False,
) -> None:
    """List mail, newest first (--json: a JSON array of mail_message objects)."""
    check_paging(page, per_page)
    filters = {"direction": direction, "status": status, "ticket_id": ticket}
    with connect(api_url, api_key) as api:
        answer = api.get(f"{MESSAGES}/list", page=page, per_page=per_page, **filters)
    print_page(answer, LISTING, page, per_page, as_json)


@mail_app.command("show", cls=OneLineErrors)
def show_mail(
    message_id: MessageId, api_url: ApiUrl = None, api_key: ApiKey = None, as_json: AsJson = False
) -> None:
    """Show one message: its state, why it was ignored or failed, and every attempt to send it."""
    with connect(api_url, api_key) as api:
        message: Object = api.get(f"{MESSAGES}/retrieve/{message_id}")["mail_message"]
    if as_json:
        print_json(message)
        return
    console = stdout()
    console.print(
        details(
            f"Mail message {message['id']}",
            [
                ("Direction", message["direction"]),
                ("Kind", message["kind"]),
                ("Status", _status(message["status"])),
                ("Reason", text(message["reason"])),
                ("To", text(message["to"])),
                ("From", text(message["from"])),
                ("Subject", text(message["subject"])),
                ("Ticket", text(message["ticket_id"])),
                ("Attempts", str(message["attempt_count"])),
                ("Created", when(message["created_at"])),
            ],
        )
    )
    for attempt in message.get("attempts") or []:
        console.print(
            f"{when(attempt['at'])}  {attempt['status']}  {attempt['duration_ms']} ms  "
            f"{text(attempt['response'])}"
        )
    if message["direction"] == "outbound" and not message.get("attempts"):
        console.print("No attempt to send it yet.")

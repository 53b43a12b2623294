"""`hookdesk saved-replies ...`: the texts agents reuse, with their placeholders, over the API."""

from typing import Annotated

import typer

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
    stdout,
    text,
    when,
)
from hookdesk.devtools.help import HelpGroup

SAVED_REPLIES = "/v2/agency/saved-replies"
PLACEHOLDERS = "{{client.name}}, {{ticket.title}} and {{teammate.name}}"

saved_replies_app = typer.Typer(
    cls=HelpGroup,
    help=f"Manage saved replies; their text may use {PLACEHOLDERS}.",
    no_args_is_help=True,
)

SavedReplyId = Annotated[
    str,
    typer.Argument(help="The saved reply's id.", metavar="SAVED_REPLY_ID", show_default=False),
]
TEXT_HELP = f"The reply; it may use {PLACEHOLDERS}."


@saved_replies_app.command("list", cls=OneLineErrors)
def list_saved_replies(
    page: Annotated[int, typer.Option("--page", help="Page number, from 1.")] = 1,
    per_page: Annotated[int, typer.Option("--per-page", help="Items per page (1 to 100).")] = 20,
    api_url: ApiUrl = None,
    api_key: ApiKey = None,
    as_json: AsJson = False,
) -> None:
    """List saved replies, newest first (--json: a JSON array of saved_reply objects)."""
    check_paging(page, per_page)
    with connect(api_url, api_key) as api:
        answer = api.get(f"{SAVED_REPLIES}/list", page=page, per_page=per_page)
    listing = Listing(
        key="saved_replies",
        table=lambda found, width: list_table("Saved replies", COLUMNS, found, width),
        empty="No saved replies yet: add one with `hookdesk saved-replies create`.",
        noun="saved reply",
        plural="saved replies",
    )
    print_page(answer, listing, page, per_page, as_json)


@saved_replies_app.command("create", cls=OneLineErrors)
def create_saved_reply(
    title: Annotated[str, typer.Option("--title", help="Its name.", show_default=False)],
    reply_text: Annotated[str, typer.Option("--text", help=TEXT_HELP, show_default=False)],
    api_url: ApiUrl = None,
    api_key: ApiKey = None,
    as_json: AsJson = False,
) -> None:
    """Save a reply; an unknown placeholder is refused."""
    body = {"title": title, "text": reply_text}
    with connect(api_url, api_key) as api:
        saved: Object = api.post(f"{SAVED_REPLIES}/create", body)["saved_reply"]
    _show("Saved reply created", saved, as_json=as_json)


@saved_replies_app.command("update", cls=OneLineErrors)
def update_saved_reply(
    saved_reply_id: SavedReplyId,
    title: Annotated[
        str | None, typer.Option("--title", help="A new name.", show_default=False)
    ] = None,
    reply_text: Annotated[
        str | None, typer.Option("--text", help=TEXT_HELP, show_default=False)
    ] = None,
    api_url: ApiUrl = None,
    api_key: ApiKey = None,
    as_json: AsJson = False,
) -> None:
    """Change a saved reply's title or text; the rest stays as it is."""
    body: Object = {}
    if title is not None:
        body["title"] = title
    if reply_text is not None:
        body["text"] = reply_text
    if not body:
        fail("nothing to update: pass --title or --text")
    with connect(api_url, api_key) as api:
        path = f"{SAVED_REPLIES}/update/{saved_reply_id}"
        saved: Object = api.post(path, body)["saved_reply"]
    _show("Saved reply updated", saved, as_json=as_json)


@saved_replies_app.command("delete", cls=OneLineErrors)
def delete_saved_reply(
    saved_reply_id: SavedReplyId,
    api_url: ApiUrl = None,
    api_key: ApiKey = None,
    as_json: AsJson = False,
) -> None:
    """Delete a saved reply for good."""
    with connect(api_url, api_key) as api:
        saved: Object = api.post(f"{SAVED_REPLIES}/delete/{saved_reply_id}")["saved_reply"]
    if as_json:
        print_json(saved)
        return
    stdout().print(f"Deleted saved reply {saved['id']} ({text(saved['title'])}).")


def _show(title: str, saved: Object, *, as_json: bool) -> None:
    if as_json:
        print_json(saved)
        return
    rows = [
        ("ID", saved["id"]),
        ("Title", text(saved["title"])),
        ("Text", text(saved["text"])),
        ("Created", when(saved["created_at"])),
    ]
    stdout().print(details(title, rows))


COLUMNS = (
    Column("ID", lambda s: s["id"], 36, priority=0, no_wrap=True),
    Column("Title", lambda s: text(s["title"]), 16, priority=0),
    Column("Text", lambda s: text(clip(s["text"], 60)), 24, priority=1),
    Column("Created (UTC)", lambda s: when(s["created_at"], zone=False), 19, priority=2),
)

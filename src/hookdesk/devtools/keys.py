"""`hookdesk keys list|create|revoke`: the account's API keys, over the API."""

from typing import Annotated

import typer

from hookdesk.devtools.client import Api, ApiKey, ApiUrl, AsJson
from hookdesk.devtools.common import (
    Column,
    Object,
    OneLineErrors,
    connect,
    list_table,
    print_json,
    stdout,
    text,
    when,
)
from hookdesk.devtools.help import HelpGroup

KEYS = "/v2/agency/api-keys"

keys_app = typer.Typer(
    cls=HelpGroup, help="List, create and revoke the account's API keys.", no_args_is_help=True
)

ApiKeyId = Annotated[
    str,
    typer.Argument(
        help="The API key's id (a UUID, not the key).", metavar="ID", show_default=False
    ),
]


@keys_app.command("list", cls=OneLineErrors)
def list_keys(api_url: ApiUrl = None, api_key: ApiKey = None, as_json: AsJson = False) -> None:
    """The account's API keys, revoked ones included (--json: a JSON array of api_key objects)."""
    with connect(api_url, api_key) as api:
        found: list[Object] = _all_keys(api)
    if as_json:
        print_json(found)
        return
    console = stdout()
    console.print(list_table(f"API keys ({len(found)})", KEY_COLUMNS, found, console.width))


@keys_app.command("create", cls=OneLineErrors)
def create_key(
    name: Annotated[str, typer.Option("--name", help="What the key is for.", show_default=False)],
    api_url: ApiUrl = None,
    api_key: ApiKey = None,
    as_json: AsJson = False,
) -> None:
    """Create a key; prints it, and it is shown only this once."""
    with connect(api_url, api_key) as api:
        created: Object = api.post(f"{KEYS}/create", {"name": name})["api_key"]
    if as_json:
        print_json(created)
        return
    console = stdout()
    console.print(f"Created API key {created['id']} ({text(created['name'])}):")
    console.print(created["key"], soft_wrap=True, highlight=False)
    console.print("[yellow]This key is shown only once: store it now.[/yellow]")


@keys_app.command("revoke", cls=OneLineErrors)
def revoke_key(
    api_key_id: ApiKeyId, api_url: ApiUrl = None, api_key: ApiKey = None, as_json: AsJson = False
) -> None:
    """Revoke a key: it is refused from the next request on. The last active key cannot go."""
    with connect(api_url, api_key) as api:
        revoked: Object = api.post(f"{KEYS}/revoke/{api_key_id}")["api_key"]
    if as_json:
        print_json(revoked)
        return
    stdout().print(
        f"Revoked API key {revoked['id']} ({text(revoked['name'])}, {revoked['prefix']}…) "
        f"at {when(revoked['revoked_at'])}."
    )


def _all_keys(api: Api) -> list[Object]:
    found: list[Object] = []
    page = 1
    while True:
        answer = api.get(f"{KEYS}/list", page=page, per_page=100)
        found += answer["api_keys"]
        if len(found) >= answer["total_results"] or not answer["api_keys"]:
            return found
        page += 1


def _status(key: Object) -> str:
    return "[green]active[/green]" if key["revoked_at"] is None else "[red]revoked[/red]"


KEY_COLUMNS = (
    Column("ID", lambda k: k["id"], 36, priority=0, no_wrap=True),
    Column("Name", lambda k: text(k["name"]), 16, priority=0),
    Column("Prefix", lambda k: k["prefix"], 8, priority=1, no_wrap=True),
    Column("Status", _status, 7, priority=1),
    Column("Last used (UTC)", lambda k: when(k["last_used_at"], zone=False), 19, priority=2),
    Column("Revoked (UTC)", lambda k: when(k["revoked_at"], zone=False), 19, priority=3),
    Column("Created (UTC)", lambda k: when(k["created_at"], zone=False), 19, priority=3),
)

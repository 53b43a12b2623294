"""`hookdesk teammates invite` and `hookdesk clients portal-link`: one-time links to the pages;
`hookdesk clients delete`: erase a client."""

from typing import Annotated

import typer

from hookdesk.devtools.client import ApiKey, ApiUrl, AsJson
from hookdesk.devtools.common import (
    Object,
    OneLineErrors,
    connect,
    fail,
    print_json,
    stdout,
    when,
)
from hookdesk.devtools.help import HelpGroup

teammates_app = typer.Typer(
    cls=HelpGroup, help="Give teammates access to the web console.", no_args_is_help=True
)
clients_app = typer.Typer(
    cls=HelpGroup, help="Let clients into the support portal, or erase them.", no_args_is_help=True
)

TeammateId = Annotated[
    str, typer.Argument(help="The teammate's id.", metavar="TEAMMATE_ID", show_default=False)
]
ClientId = Annotated[
    str, typer.Argument(help="The client's id.", metavar="CLIENT_ID", show_default=False)
]


@teammates_app.command("invite", cls=OneLineErrors)
def invite(
    teammate_id: TeammateId, api_url: ApiUrl = None, api_key: ApiKey = None, as_json: AsJson = False
) -> None:
    """A one-time link (valid 7 days) where the teammate sets a password for the console."""
    with connect(api_url, api_key) as api:
        link: Object = api.post(f"/v2/agency/teammates/invite/{teammate_id}")
    _show(link, "Send this invite link to the teammate", as_json=as_json)


@clients_app.command("portal-link", cls=OneLineErrors)
def portal_link(
    client_id: ClientId, api_url: ApiUrl = None, api_key: ApiKey = None, as_json: AsJson = False
) -> None:
    """A single-use link into the support portal, valid 15 minutes."""
    with connect(api_url, api_key) as api:
        link: Object = api.post(f"/v2/agency/clients/portal-session/{client_id}")
    _show(link, "Send this portal link to the client", as_json=as_json)


@clients_app.command("delete", cls=OneLineErrors)
def delete_client(
    client_id: ClientId,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    api_url: ApiUrl = None,
    api_key: ApiKey = None,
    as_json: AsJson = False,
) -> None:
    """Erase the client: their tickets, replies, notes, files, events and deliveries. No undo."""
    with connect(api_url, api_key) as api:
        client: Object = api.get(f"/v2/agency/clients/retrieve/{client_id}")["client"]
        if not yes:
            _confirm_erasure(client)
        erasure: Object = api.post(f"/v2/agency/clients/delete/{client_id}")["client_erasure"]
    if as_json:
        print_json(erasure)
        return
    counts = ", ".join(_count(erasure[plural], plural) for plural in ERASED)
    stdout().print(f"Erased client {erasure['client_id']}: {counts}.", highlight=False)


ERASED = {
    "tickets": "ticket",
    "replies": "reply",
    "assets": "asset",
    "events": "event",
    "deliveries": "delivery",
    "notes": "note",
}


def _count(number: int, plural: str) -> str:
    return f"{number} {ERASED[plural] if number == 1 else plural}"


def _confirm_erasure(client: Object) -> None:
    question = (
        f"Erase {client['name']} <{client['email']}> with all their tickets, replies, notes, "
        "files and webhook events? This cannot be undone"
    )
    try:
        confirmed = typer.confirm(question, default=False)
    except typer.Abort:
        confirmed = False
    if not confirmed:
        fail("not confirmed: nothing was erased")


def _show(link: Object, purpose: str, *, as_json: bool) -> None:
    if as_json:
        print_json({"url": link["url"], "expires_at": link["expires_at"]})
        return
    console = stdout()
    console.print(f"{purpose}; it works once and expires {when(link['expires_at'])}:")
    console.print(link["url"], soft_wrap=True, highlight=False)

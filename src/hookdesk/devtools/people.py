"""`hookdesk teammates invite` and `hookdesk clients portal-link`: one-time links to the pages."""

from typing import Annotated

import typer

from hookdesk.devtools.client import ApiKey, ApiUrl, AsJson
from hookdesk.devtools.common import Object, OneLineErrors, connect, print_json, stdout, when

teammates_app = typer.Typer(help="Give teammates access to the web console.", no_args_is_help=True)
clients_app = typer.Typer(help="Let clients into the support portal.", no_args_is_help=True)

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


def _show(link: Object, purpose: str, *, as_json: bool) -> None:
    if as_json:
        print_json({"url": link["url"], "expires_at": link["expires_at"]})
        return
    console = stdout()
    console.print(f"{purpose}; it works once and expires {when(link['expires_at'])}:")
    console.print(link["url"], soft_wrap=True, highlight=False)

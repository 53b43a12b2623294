"""The `hookdesk` command: every command's flags and help.

The API-client commands (`listen`, `trigger`, `endpoints`, `events`, `tickets`, ...) live in
`hookdesk.devtools` and import nothing of the server. The commands that run the server stack
(`serve`, `dispatcher`, `migrate`, `purge`, `config show`, `secret-key`, `accounts create`) do
their work in `hookdesk.cli.server`, imported inside each of them: `hookdesk --help` and the client
commands start without loading FastAPI, SQLAlchemy or the models
(tests/devtools/test_client_imports.py keeps it so).
"""

from pathlib import Path
from typing import Annotated

import typer

from hookdesk.devtools.common import OneLineErrors
from hookdesk.devtools.demo import demo
from hookdesk.devtools.help import HelpGroup
from hookdesk.devtools.keys import keys_app
from hookdesk.devtools.listen import listen
from hookdesk.devtools.mailing import mail_app
from hookdesk.devtools.manage import endpoints_app, events_app
from hookdesk.devtools.people import clients_app, teammates_app
from hookdesk.devtools.saved_replies import saved_replies_app
from hookdesk.devtools.tickets import tickets_app
from hookdesk.devtools.trigger import trigger

# hookdesk.config's CONFIG_FILE_VARIABLE, spelled out: importing the settings would load
# pydantic-settings and SQLAlchemy, which `--help` and the client commands do without.
CONFIG_FILE_VARIABLE = "HOOKDESK_CONFIG"

app = typer.Typer(
    cls=HelpGroup,
    help="hookdesk: a whitelabel helpdesk with first-class webhooks.",
    no_args_is_help=True,
)
accounts_app = typer.Typer(
    cls=HelpGroup, help="Manage accounts (agencies) and their API keys.", no_args_is_help=True
)
config_app = typer.Typer(cls=HelpGroup, help="Inspect the configuration.", no_args_is_help=True)
secret_key_app = typer.Typer(
    cls=HelpGroup,
    help="Make and rotate HOOKDESK_SECRET_KEY, which encrypts endpoint secrets.",
    no_args_is_help=True,
)
app.add_typer(accounts_app, name="accounts")
app.add_typer(config_app, name="config")
app.add_typer(secret_key_app, name="secret-key")
app.command(cls=OneLineErrors)(listen)
app.command(cls=OneLineErrors)(trigger)
app.command(cls=OneLineErrors)(demo)
app.add_typer(endpoints_app, name="endpoints")
app.add_typer(events_app, name="events")
app.add_typer(tickets_app, name="tickets")
app.add_typer(saved_replies_app, name="saved-replies")
app.add_typer(teammates_app, name="teammates")
app.add_typer(clients_app, name="clients")
app.add_typer(keys_app, name="keys")
app.add_typer(mail_app, name="mail")

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        metavar="URL",
        help="sqlite:///path or postgresql://... \\[env: HOOKDESK_DATABASE_URL]",
    ),
]


DevMode = Annotated[
    bool | None,
    typer.Option(
        "--dev", help="Development mode: local http endpoints allowed. \\[env: HOOKDESK_DEV]"
    ),
]


@app.callback()
def main(
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            metavar="FILE",
            envvar=CONFIG_FILE_VARIABLE,
            help="A TOML file of settings; the environment and flags override it.",
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """hookdesk: a whitelabel helpdesk with first-class webhooks."""
    _invocation.config_file = config


class _Invocation:
    """What the command line said before the command's name."""

    config_file: Path | None = None


_invocation = _Invocation()


@app.command(cls=OneLineErrors)
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    database_url: DatabaseUrl = None,
    dev: DevMode = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="API processes. Above 1 (PostgreSQL only), they and a dispatcher process run "
            "under one parent, which starts again any that dies.",
        ),
    ] = 1,
) -> None:
    """Run the API and the dispatcher: in one process, or with --workers in several."""
    from hookdesk.cli import server

    server.serve(
        _invocation.config_file,
        host=host,
        port=port,
        database_url=database_url,
        dev=dev,
        workers=workers,
    )


@app.command(cls=OneLineErrors)
def dispatcher(
    database_url: DatabaseUrl = None,
    dev: DevMode = None,
    metrics_port: Annotated[
        int | None,
        typer.Option(min=1, max=65535, help="Serve Prometheus metrics on this port (else none)."),
    ] = None,
    metrics_host: Annotated[
        str, typer.Option(help="Interface the metrics listen on.")
    ] = "127.0.0.1",
) -> None:
    """Run only the delivery workers (run any number of them against one PostgreSQL)."""
    from hookdesk.cli import server

    server.dispatcher(
        _invocation.config_file,
        database_url=database_url,
        dev=dev,
        metrics_port=metrics_port,
        metrics_host=metrics_host,
    )


@app.command(cls=OneLineErrors)
def migrate(database_url: DatabaseUrl = None) -> None:
    """Apply the schema migrations."""
    from hookdesk.cli import server

    server.migrate(_invocation.config_file, database_url=database_url)


@app.command(cls=OneLineErrors)
def purge(
    older_than: Annotated[
        str | None,
        typer.Option(
            "--older-than",
            metavar="AGE",
            help="An age: 30d, 12h, 90m or seconds. Default: the retention_days setting.",
            show_default=False,
        ),
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Remove events, deliveries and attempts older than an age, and uploads never attached."""
    from hookdesk.cli import server

    server.purge(_invocation.config_file, older_than=older_than, database_url=database_url)


@config_app.command("show", cls=OneLineErrors)
def show_config(
    database_url: DatabaseUrl = None,
    dev: DevMode = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Print the effective configuration (secrets hidden) and where each value comes from."""
    from hookdesk.cli import server

    server.show_config(_invocation.config_file, database_url=database_url, dev=dev, as_json=as_json)


@secret_key_app.command("generate", cls=OneLineErrors)
def generate_secret_key() -> None:
    """Print a new key for HOOKDESK_SECRET_KEY."""
    from hookdesk.cli import server

    server.generate_secret_key()


@secret_key_app.command("rotate", cls=OneLineErrors)
def rotate_secret_key(database_url: DatabaseUrl = None) -> None:
    """Seal every endpoint secret and mail password again with the first key of HOOKDESK_SECRET_KEY.

    Put the new key first and the old one after it (HOOKDESK_SECRET_KEY=new,old) in every process,
    run this, then remove the old key."""
    from hookdesk.cli import server

    server.rotate_secret_key(_invocation.config_file, database_url=database_url)


@accounts_app.command("create", cls=OneLineErrors)
def create_account(
    name: Annotated[str, typer.Option("--name", help="The agency's name.")],
    database_url: DatabaseUrl = None,
) -> None:
    """Create an account; prints {"account_id", "api_key"} (the key is shown only this once)."""
    from hookdesk.cli import server

    server.create_account(_invocation.config_file, name=name, database_url=database_url)

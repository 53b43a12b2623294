"""The `hookdesk` command: parse flags, open the database, call services."""

import asyncio
import json
import signal
import sys
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
import uvicorn
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from hookdesk.accounts import service as accounts
from hookdesk.app import create_app
from hookdesk.config import (
    CONFIG_FILE_VARIABLE,
    ConfigurationError,
    Loaded,
    Settings,
    load,
    masked,
    variable,
)
from hookdesk.db import Database
from hookdesk.db.migrate import SchemaOutOfDate, prepare, upgrade
from hookdesk.delivery.runtime import running_dispatcher
from hookdesk.devtools.common import OneLineErrors
from hookdesk.devtools.demo import demo
from hookdesk.devtools.listen import listen
from hookdesk.devtools.manage import endpoints_app, events_app, tickets_app
from hookdesk.devtools.people import clients_app, teammates_app
from hookdesk.devtools.trigger import trigger
from hookdesk.operations.standalone import metrics_server
from hookdesk.webhooks.secretbox import MissingSecretKey, SecretBox, box_for

app = typer.Typer(
    help="hookdesk: a whitelabel helpdesk with first-class webhooks.", no_args_is_help=True
)
accounts_app = typer.Typer(
    help="Manage accounts (agencies) and their API keys.", no_args_is_help=True
)
config_app = typer.Typer(help="Inspect the configuration.", no_args_is_help=True)
app.add_typer(accounts_app, name="accounts")
app.add_typer(config_app, name="config")
app.command()(listen)
app.command(cls=OneLineErrors)(trigger)
app.command()(demo)
app.add_typer(endpoints_app, name="endpoints")
app.add_typer(events_app, name="events")
app.add_typer(tickets_app, name="tickets")
app.add_typer(teammates_app, name="teammates")
app.add_typer(clients_app, name="clients")
err = Console(stderr=True, soft_wrap=True)  # long lines stay whole in logs

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url", help="sqlite:///path or postgresql://... \\[env: HOOKDESK_DATABASE_URL]"
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


def _loaded(**flags: Any) -> Loaded:
    try:
        return load(_invocation.config_file, **flags)
    except ConfigurationError as error:
        _fail(str(error))


def _settings(**flags: Any) -> Settings:
    return _loaded(**flags).settings


def _fail(message: str) -> NoReturn:
    err.print(f"[red]error:[/red] {message}")
    raise typer.Exit(1)


def _open(settings: Settings) -> Database:
    """Open the database, migrating an empty one and refusing an out-of-date one."""
    try:
        database = Database(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
        prepare(database.engine)
    except SchemaOutOfDate as error:
        _fail(str(error))
    except (SQLAlchemyError, ValueError) as error:
        _fail(f"Cannot open the database {settings.database_url!r}: {error}")
    return database


@app.command(cls=OneLineErrors)
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    database_url: DatabaseUrl = None,
    dev: DevMode = None,
) -> None:
    """Run the API and the dispatcher in one process."""
    settings = _settings(database_url=database_url, dev=dev)
    if "public_url" not in settings.model_fields_set:
        settings = settings.model_copy(update={"public_url": f"http://{host}:{port}"})
    box = _secret_box(settings)
    database = _open(settings)
    _warn_if_dev(settings)
    if settings.dev:
        _create_first_account(database)
    err.print(f"hookdesk on {settings.public_url} (database {database.engine.url!r})")
    application = create_app(settings, database, run_dispatcher=True, box=box)
    # Long-lived requests (event streams) get this long to end before a stop cuts them off.
    uvicorn.run(application, host=host, port=port, log_level="info", timeout_graceful_shutdown=5)


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
    settings = _settings(database_url=database_url, dev=dev)
    box = _secret_box(settings)
    database = _open(settings)
    _warn_if_dev(settings)
    with ExitStack() as stack:
        if metrics_port is not None:
            _serve_metrics(stack, settings, metrics_host, metrics_port)
        err.print(f"hookdesk dispatcher on {database.engine.url!r}; stop it with Ctrl-C or SIGTERM")
        with asyncio.Runner(loop_factory=_fastest_event_loop()) as runner:
            runner.run(_dispatch_until_signalled(database, settings, box))
    err.print("hookdesk dispatcher stopped")


def _serve_metrics(stack: ExitStack, settings: Settings, host: str, port: int) -> None:
    """Until `stack` closes, after the dispatcher has stopped."""
    try:
        stack.enter_context(metrics_server(settings.database_url, host=host, port=port))
    except OSError as error:
        _fail(f"Cannot serve metrics on {host}:{port}: {error.strerror}")
    err.print(f"metrics on http://{host}:{port}/metrics")


async def _dispatch_until_signalled(database: Database, settings: Settings, box: SecretBox) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stop.set)
    async with running_dispatcher(database, settings, box):
        await stop.wait()


def _fastest_event_loop() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop when installed (it comes with uvicorn[standard]), as under `hookdesk serve`."""
    try:
        import uvloop  # noqa: PLC0415
    except ImportError:
        return None
    return uvloop.new_event_loop


def _secret_box(settings: Settings) -> SecretBox:
    try:
        return box_for(settings.secret_key, dev=settings.dev, data_dir=settings.data_dir)
    except (MissingSecretKey, ValueError) as error:
        _fail(str(error))


def _warn_if_dev(settings: Settings) -> None:
    if settings.dev:
        err.print(
            "[bold yellow]DEVELOPMENT MODE: webhook endpoints may use http and local or private "
            "addresses. Never run it like this where others can reach it.[/]"
        )


def _create_first_account(database: Database) -> None:
    with database.transaction() as session:
        if accounts.any_exists(session):
            return
        created = accounts.create(session, name="Development")
    err.print("Created a first account. Its API key is shown only this once:")
    print(json.dumps({"account_id": created.account_id, "api_key": created.api_key}), flush=True)


@app.command(cls=OneLineErrors)
def migrate(database_url: DatabaseUrl = None) -> None:
    """Apply the schema migrations."""
    settings = _settings(database_url=database_url)
    database = Database(settings.database_url)
    try:
        upgrade(database.engine)
    except SQLAlchemyError as error:
        _fail(f"Migration failed: {error}")
    err.print("The database schema is up to date.")


@config_app.command("show", cls=OneLineErrors)
def show_config(
    database_url: DatabaseUrl = None,
    dev: DevMode = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Print the effective configuration (secrets hidden) and where each value comes from."""
    loaded = _loaded(database_url=database_url, dev=dev)
    shown = masked(loaded.settings)
    if as_json:
        print(json.dumps(shown, indent=2))
        return
    table = Table("setting", "value", "from", box=None)
    for name, value in shown.items():
        table.add_row(variable(name), json.dumps(value), loaded.sources.get(name, "default"))
    Console(soft_wrap=True).print(table)


@accounts_app.command("create", cls=OneLineErrors)
def create_account(
    name: Annotated[str, typer.Option("--name", help="The agency's name.")],
    database_url: DatabaseUrl = None,
) -> None:
    """Create an account; prints {"account_id", "api_key"} (the key is shown only this once)."""
    if not name.strip():
        _fail("--name must not be empty.")
    database = _open(_settings(database_url=database_url))
    with database.transaction() as session:
        created = accounts.create(session, name=name.strip())
    json.dump({"account_id": created.account_id, "api_key": created.api_key}, sys.stdout)
    print()

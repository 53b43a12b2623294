"""The commands that run the server stack: serve, dispatcher, migrate, purge, config show,
secret-key, accounts create.

`hookdesk.cli` declares their flags and help, and imports this module only when one of them runs:
the API-client commands (`listen`, `trigger`, `endpoints list`, ...) start without loading
FastAPI, SQLAlchemy or the models.
"""

import asyncio
import json
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any, NoReturn

import structlog
import typer
import uvicorn
from cryptography.fernet import Fernet
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from hookdesk import logs
from hookdesk.accounts import service as accounts
from hookdesk.app import create_app
from hookdesk.config import ConfigurationError, Loaded, Settings, load, masked, variable
from hookdesk.db import Database
from hookdesk.db.database import (
    OTHER_CLIENTS,
    connections_at_peak,
    fitted_pool_size,
    is_sqlite,
)
from hookdesk.devtools.invocation import as_run_here
from hookdesk.mail import rotation as mail_rotation
from hookdesk.migrations.migrate import SchemaOutOfDate, SecretKeyNeeded, prepare, upgrade
from hookdesk.operations.standalone import metrics_server
from hookdesk.retention.age import parse_age
from hookdesk.retention.command import purge_and_report
from hookdesk.serving import children, listening
from hookdesk.serving.metrics import metrics_shared_by_children
from hookdesk.serving.supervisor import Child, Supervisor
from hookdesk.shared.garbage import settle_after_start_up
from hookdesk.shared.secretbox import MissingSecretKey, SecretBox, box_for
from hookdesk.webhooks.endpoints.rotation import count_endpoints, reseal_all
from hookdesk.workers import dispatch_until_signalled, fastest_event_loop

err = Console(stderr=True, soft_wrap=True)  # long lines stay whole in logs
log = structlog.get_logger("hookdesk")


def _loaded(config_file: Path | None, **flags: Any) -> Loaded:
    try:
        return load(config_file, **flags)
    except ConfigurationError as error:
        _fail(str(error))


def _settings(config_file: Path | None, **flags: Any) -> Settings:
    return _loaded(config_file, **flags).settings


def _fail(message: str) -> NoReturn:
    err.print(f"[red]error:[/red] {as_run_here(message)}")
    raise typer.Exit(1)


def _open(settings: Settings) -> Database:
    """Open the database, migrating an empty one and refusing an out-of-date one."""
    try:
        database = Database.of(settings)
        prepare(database.engine)
    except SchemaOutOfDate as error:
        _fail(str(error))
    except (SQLAlchemyError, ValueError) as error:
        _fail(f"Cannot open the database {settings.database_url!r}: {error}")
    return database


def serve(
    config_file: Path | None,
    *,
    host: str,
    port: int,
    database_url: str | None,
    dev: bool | None,
    workers: int,
) -> None:
    settings = _settings(config_file, database_url=database_url, dev=dev)
    if "public_url" not in settings.model_fields_set:
        settings = settings.model_copy(update={"public_url": f"http://{host}:{port}"})
    if workers > 1 and is_sqlite(settings.database_url):
        _fail(
            "--workers above 1 needs PostgreSQL: on SQLite hookdesk is one process, because "
            "the rate limits per API key are counted in that process's memory and SQLite takes "
            "one writer at a time. Run with --workers 1, or with --database-url postgresql://..."
        )
    box = _secret_box(settings)
    database = _open(settings)
    logs.configure(settings)
    _warn_if_dev(settings)
    if settings.dev:
        _create_first_account(database)
    log.info("serving", url=settings.public_url, database=_shown(database), workers=workers)
    if workers > 1:
        settings = _pools_fitted(database, settings, processes=workers + 1)
        database.dispose()  # each child opens its own
        _serve_in_processes(settings, host, port, workers)
        return
    application = create_app(settings, database, run_dispatcher=True, box=box)
    settle_after_start_up()
    uvicorn.run(
        application,
        host=host,
        port=port,
        log_config=None,  # uvicorn's lines go through hookdesk's handler (logs.py)
        access_log=False,  # the request log (http/request_log.py) writes one line per request
        timeout_graceful_shutdown=5,  # long-lived requests (event streams) get this long to end
    )


def _serve_in_processes(settings: Settings, host: str, port: int, workers: int) -> None:
    try:
        held, listen = listening.reserve(host, port)
    except OSError as error:
        _fail(f"Cannot listen on {host}:{port}: {error.strerror}")
    api = Child("api", children.api_process, (settings, listen))
    dispatcher = Child("dispatcher", children.dispatcher_process, (settings,))
    with metrics_shared_by_children() as exited:
        Supervisor(
            [api] * workers + [dispatcher],
            # Each child gets the shutdown timeout for its own graceful stop, and a little more.
            shutdown_timeout=settings.shutdown_timeout + 5,
            exited=exited,
        ).run()
    held.close()
    log.info("stopped")


def dispatcher(
    config_file: Path | None,
    *,
    database_url: str | None,
    dev: bool | None,
    metrics_port: int | None,
    metrics_host: str,
) -> None:
    settings = _settings(config_file, database_url=database_url, dev=dev)
    box = _secret_box(settings)
    database = _open(settings)
    logs.configure(settings)
    _warn_if_dev(settings)
    with ExitStack() as stack:
        if metrics_port is not None:
            _serve_metrics(stack, settings, metrics_host, metrics_port)
        log.info("dispatcher started", database=_shown(database), stop_with="Ctrl-C or SIGTERM")
        settle_after_start_up()
        with asyncio.Runner(loop_factory=fastest_event_loop()) as runner:
            runner.run(dispatch_until_signalled(database, settings, box))
    log.info("dispatcher stopped")


def _shown(database: Database) -> str:
    return database.engine.url.render_as_string(hide_password=True)


def _serve_metrics(stack: ExitStack, settings: Settings, host: str, port: int) -> None:
    """Until `stack` closes, after the dispatcher has stopped."""
    try:
        stack.enter_context(metrics_server(settings.database_url, host=host, port=port))
    except OSError as error:
        _fail(f"Cannot serve metrics on {host}:{port}: {error.strerror}")
    err.print(f"metrics on http://{host}:{port}/metrics")


def _secret_box(settings: Settings) -> SecretBox:
    try:
        return box_for(settings.secret_key, dev=settings.dev, data_dir=settings.data_dir)
    except (MissingSecretKey, ValueError) as error:
        _fail(str(error))


def _secret_box_if_any(settings: Settings) -> SecretBox | None:
    """The server key's box, or None when none is set (outside development mode)."""
    try:
        return box_for(settings.secret_key, dev=settings.dev, data_dir=settings.data_dir)
    except MissingSecretKey:
        return None
    except ValueError as error:
        _fail(str(error))


def _warn_if_dev(settings: Settings) -> None:
    if settings.dev:
        log.warning(
            "DEVELOPMENT MODE: webhook endpoints may use http and local or private addresses. "
            "Never run it like this where others can reach it."
        )


def _pools_fitted(database: Database, settings: Settings, *, processes: int) -> Settings:
    """`serve --workers`: every process (the API's and the dispatcher) has pools of its own, and
    at a peak together they could want more connections than PostgreSQL takes, refused then as
    503s under load. Unless HOOKDESK_DATABASE_POOL_SIZE was given, the pools are made small
    enough to fit; when it was given and does not fit, the start says so."""
    try:
        allowed = database.connections_allowed()
    except SQLAlchemyError as error:
        log.warning("could not read PostgreSQL's max_connections", error=str(error))
        return settings
    at_peak = processes * connections_at_peak(settings.database_pool_size)
    if at_peak <= allowed - OTHER_CLIENTS:
        return settings
    fitted = fitted_pool_size(processes, allowed)
    if "database_pool_size" in settings.model_fields_set:
        log.warning(
            "PostgreSQL may refuse connections at a peak: raise its max_connections, or set "
            f"HOOKDESK_DATABASE_POOL_SIZE to {fitted} or less",
            processes=processes,
            connections_at_peak=at_peak,
            connections_allowed=allowed,
        )
        return settings
    log.info(
        "database pools sized to fit PostgreSQL's max_connections",
        pool_size=fitted,
        processes=processes,
        connections_allowed=allowed,
    )
    return settings.model_copy(update={"database_pool_size": fitted})


def _create_first_account(database: Database) -> None:
    with database.transaction() as session:
        if accounts.any_exists(session):
            return
        created = accounts.create(session, name="Development")
    log.info("created a first account; its API key follows on stdout, shown only this once")
    print(json.dumps({"account_id": created.account_id, "api_key": created.api_key}), flush=True)


def migrate(config_file: Path | None, *, database_url: str | None) -> None:
    settings = _settings(config_file, database_url=database_url)
    database = Database(settings.database_url)
    try:
        upgrade(database.engine, box=_secret_box_if_any(settings))
    except SecretKeyNeeded as error:
        _fail(str(error))
    except SQLAlchemyError as error:
        _fail(f"Migration failed: {error}")
    err.print("The database schema is up to date.")


def purge(config_file: Path | None, *, older_than: str | None, database_url: str | None) -> None:
    settings = _settings(config_file, database_url=database_url)
    age = _purge_age(older_than, settings)
    purge_and_report(_open(settings), settings, age, Console(soft_wrap=True))


def _purge_age(older_than: str | None, settings: Settings) -> float:
    if older_than is None:
        if settings.retention_days == 0:
            _fail("retention_days is 0 (keep everything): pass --older-than to purge anyway.")
        return settings.retention_days * 86_400
    try:
        return parse_age(older_than)
    except ValueError as error:
        _fail(f"--older-than: {error}")


def show_config(
    config_file: Path | None, *, database_url: str | None, dev: bool | None, as_json: bool
) -> None:
    loaded = _loaded(config_file, database_url=database_url, dev=dev)
    shown = masked(loaded.settings)
    if as_json:
        print(json.dumps(shown, indent=2))
        return
    table = Table("setting", box=None)
    table.add_column("value", overflow="fold")
    table.add_column("from", overflow="fold")
    for name, value in shown.items():
        table.add_row(variable(name), json.dumps(value), loaded.sources.get(name, "default"))
    Console(soft_wrap=True).print(table)


def generate_secret_key() -> None:
    print(Fernet.generate_key().decode())


def rotate_secret_key(config_file: Path | None, *, database_url: str | None) -> None:
    settings = _settings(config_file, database_url=database_url)
    if not settings.secret_key:
        _fail("HOOKDESK_SECRET_KEY is not set: list the new key first, then the old one(s).")
    box = _secret_box(settings)
    database = _open(settings)
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task(
            "Sealing endpoint secrets and headers", total=count_endpoints(database)
        )
        done = reseal_all(database, box, on_batch=lambda n: progress.advance(task, n))
    err.print(f"Sealed the secrets and headers of {done.rows} endpoint(s) with the first key.")
    mail = mail_rotation.reseal_all(database, box)
    err.print(f"Sealed the mail server passwords of {mail.rows} account(s) with the first key.")
    unreadable = [
        *([f"{done.unreadable} endpoint secret(s)"] if done.unreadable else []),
        *([f"the mail passwords of {mail.unreadable} account(s)"] if mail.unreadable else []),
    ]
    if unreadable:
        _fail(
            f"{' and '.join(unreadable)} open with none of the keys given and were left as they "
            "were: add the key they were sealed with to HOOKDESK_SECRET_KEY and run again."
        )
    if box.key_count > 1:
        err.print("Every process can now drop the other keys from HOOKDESK_SECRET_KEY.")


def create_account(config_file: Path | None, *, name: str, database_url: str | None) -> None:
    if not name.strip():
        _fail("--name must not be empty.")
    database = _open(_settings(config_file, database_url=database_url))
    with database.transaction() as session:
        created = accounts.create(session, name=name.strip())
    json.dump({"account_id": created.account_id, "api_key": created.api_key}, sys.stdout)
    print()

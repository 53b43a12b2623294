"""What `hookdesk purge` shows: a live line of running totals on a terminal, then a table of what
was removed from each table. On PostgreSQL it takes the purge's turn as dispatchers do, waiting
for a dispatcher's purge to end rather than running beside it."""

import time

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from hookdesk.assets.storage import LocalStorage
from hookdesk.config import Settings
from hookdesk.db import Database
from hookdesk.retention.age import describe
from hookdesk.retention.periodic import purge_turn
from hookdesk.retention.purge import Purged, cutoffs, purge


def purge_and_report(
    database: Database, settings: Settings, older_than: float, console: Console
) -> Purged:
    def waiting() -> None:
        note = "Another purge (a dispatcher's) is running: waiting for it to end ..."
        Console(stderr=True, soft_wrap=True).print(note)

    with purge_turn(database, waiting=waiting):
        return _purge_and_report(database, settings, older_than, console)


def _purge_and_report(
    database: Database, settings: Settings, older_than: float, console: Console
) -> Purged:
    limits = cutoffs(retention_seconds=older_than, now=time.time())
    with Progress(
        SpinnerColumn(),
        TextColumn("Purging: {task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as progress:
        task = progress.add_task(_totals(Purged()))
        purged = purge(
            database,
            LocalStorage(settings.assets_dir),
            limits,
            batch=settings.purge_batch,
            progress=lambda so_far: progress.update(task, description=_totals(so_far)),
        )
    console.print(f"Removed what was older than {describe(older_than)}:")
    console.print(_table(purged))
    return purged


def _totals(purged: Purged) -> str:
    return ", ".join(f"{count} {table}" for table, count in purged.as_dict().items())


def _table(purged: Purged) -> Table:
    table = Table("table", "rows removed", "", box=None, padding=(0, 2), show_header=False)
    notes = {"assets": "(uploads never attached, over a day old)"}
    for name, count in purged.as_dict().items():
        table.add_row(name, str(count), notes.get(name, ""))
    return table

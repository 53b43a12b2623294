"""What the developer commands share: consoles, one-line errors, times, JSON and tables."""

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from hookdesk.devtools.client import Api, ApiError
from hookdesk.devtools.help import HelpCommand
from hookdesk.devtools.invocation import as_run_here

Object = dict[str, Any]


def stdout() -> Console:
    """A console on stdout, made per command so that it sees the terminal (or COLUMNS) of now."""
    return Console(highlight=False)


def stderr() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str) -> NoReturn:
    """One line on stderr and exit status 1."""
    stderr().print(f"[red]error:[/red] {escape(as_run_here(message))}")
    raise typer.Exit(1)


# Click's UsageError as Typer raises it (recent Typer vendors its own Click; older ones use Click).
UsageError: type[Exception] = next(
    c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError"
)


class OneLineErrors(HelpCommand):
    """A command whose bad flags (unknown, missing, invalid) are one line and exit status 1."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # Any: Click's Context
        try:
            return super().parse_args(ctx, args)
        except UsageError as error:
            message: str = getattr(error, "format_message", error.__str__)()
            fail(f"{message} (see {ctx.command_path} --help)")


@contextmanager
def connect(url: str | None, key: str | None) -> Iterator[Api]:
    """The API client of the options; any failure of the API ends the command with `fail`."""
    try:
        api = Api.from_options(url, key)
    except ApiError as error:
        fail(str(error))
    try:
        yield api
    except ApiError as error:
        fail(str(error))


def print_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False))


def when(timestamp: int | None, *, zone: bool = True) -> str:
    """Unix seconds as a UTC time a person reads (`zone=False`: for a column titled UTC)."""
    if timestamp is None:
        return "-"
    shown = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S")
    return f"{shown} UTC" if zone else shown


def text(value: Any) -> str:
    """A table cell: `-` for null, escaped so that `[...]` in data is not read as markup."""
    return "-" if value is None else escape(str(value))


def clip(value: str | None, limit: int) -> str:
    if value is None:
        return "-"
    flat = " ".join(value.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def details(title: str, rows: Sequence[tuple[str, str]]) -> Table:
    """A two-column table of one object's fields."""
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    for name, value in rows:
        table.add_row(name, value)
    return table


def page_footer(noun: str, total: int, page: int, per_page: int, plural: str = "") -> str:
    """`Page 1 of 3 (45 events in all)`, for the singular noun `event` (`plural` when it is not
    the noun and an s)."""
    pages = max(1, -(-total // per_page))
    counted = noun if total == 1 else plural or f"{noun}s"
    return f"Page {page} of {pages} ({total} {counted} in all)"


@dataclass(frozen=True)
class Listing:
    """How a list command shows its items: where the answer holds them, the table that draws
    them, what to say when none match, and the singular noun of the footer."""

    key: str
    table: Callable[[list[Object], int], Table]
    empty: str
    noun: str
    plural: str = ""  # when not the noun and an s


def print_page(answer: Object, listing: Listing, page: int, per_page: int, as_json: bool) -> None:
    """One page of a list command: a JSON array, or the table and a footer."""
    found: list[Object] = answer[listing.key]
    if as_json:
        print_json(found)
        return
    console = stdout()
    console.print(listing.table(found, console.width) if found else listing.empty)
    total = answer["total_results"]
    console.print(page_footer(listing.noun, total, page, per_page, listing.plural))


def check_paging(page: int, per_page: int) -> None:
    if page < 1:
        fail("--page must be 1 or more")
    if not 1 <= per_page <= 100:
        fail("--per-page must be between 1 and 100")


@dataclass(frozen=True)
class Column:
    """A list table's column: what it shows, the width it needs, and how much it matters."""

    header: str
    cell: Callable[[Object], str]
    width: int
    priority: int = 1  # 0 always shows; higher numbers are dropped first in a narrow terminal
    no_wrap: bool = False


def list_table(title: str, columns: Sequence[Column], items: Sequence[Object], width: int) -> Table:
    """A table of items with the columns that fit in `width`, the most important first."""
    shown = _fitting(columns, width)
    table = Table(title=title, title_justify="left")
    if len(shown) < len(columns):
        table.caption = "Some columns are hidden: widen the terminal, or use --json."
    for column in shown:
        table.add_column(column.header, no_wrap=column.no_wrap, overflow="fold")
    for item in items:
        table.add_row(*(column.cell(item) for column in shown))
    return table


def _fitting(columns: Sequence[Column], width: int) -> list[Column]:
    room = width - 1  # the table's left border
    kept: set[int] = set()
    for index in sorted(range(len(columns)), key=lambda i: columns[i].priority):
        needed = max(columns[index].width, len(columns[index].header)) + 3  # padding, border
        if columns[index].priority > 0 and needed > room:
            continue
        room -= needed
        kept.add(index)
    return [column for index, column in enumerate(columns) if index in kept]

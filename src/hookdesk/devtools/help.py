"""`--help` of every command: the usage, the description reflowed to the terminal's width, and the
options by name with a placeholder for their value (`--port PORT`), their default and their
environment variable. Typer's own help labels each option with its Python type (`<str>`,
`<bool>`) and keeps the docstrings' line breaks, which wrap raggedly in a narrow terminal.
"""

import inspect
import sys
from collections.abc import Iterable, Sequence
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from typer.core import TyperCommand, TyperGroup

# Click's Context, Command and Parameter: Click's own or the copy recent Typer vendors.
Context = Any
Parameter = Any


class HelpCommand(TyperCommand):
    def format_help(self, ctx: Context, formatter: Any) -> None:
        show_help(self, ctx)


class HelpGroup(TyperGroup):
    def format_help(self, ctx: Context, formatter: Any) -> None:
        commands = [self.get_command(ctx, name) for name in self.list_commands(ctx)]
        shown = [(c.name or "", summary(c.help)) for c in commands if c and not c.hidden]
        show_help(self, ctx, shown)


def show_help(command: Any, ctx: Context, commands: Sequence[tuple[str, str]] = ()) -> None:
    """Print the help, each line without the trailing spaces of Rich's padding."""
    console = Console(highlight=False)
    with console.capture() as captured:
        _render(console, command, ctx, commands)
    lines = captured.get().splitlines()
    sys.stdout.write("".join(f"{line.rstrip()}\n" for line in lines))


def _render(
    console: Console, command: Any, ctx: Context, commands: Sequence[tuple[str, str]]
) -> None:
    usage = [ctx.command_path, command.options_metavar or ""]
    usage += [argument_name(p) for p in command.get_params(ctx) if p.param_type_name == "argument"]
    if commands:
        usage.append("COMMAND [ARGS]...")
    console.print(f"[bold]Usage:[/] {escape(' '.join(part for part in usage if part))}")
    for paragraph in paragraphs(command.help):
        console.print()
        console.print(paragraph)
    params = [p for p in command.get_params(ctx) if not getattr(p, "hidden", False)]
    arguments = [p for p in params if p.param_type_name == "argument"]
    options = [p for p in params if p.param_type_name == "option"]
    _section(console, "Arguments", [(argument_name(p), describe(p)) for p in arguments])
    _section(console, "Options", [(option_names(p), describe(p)) for p in options])
    _section(console, "Commands", commands)


def paragraphs(text: str | None) -> list[str]:
    """The paragraphs of a docstring, each on one line (the console wraps it to its width)."""
    cleaned = inspect.cleandoc(text or "").partition("\f")[0]
    return [" ".join(p.split()) for p in cleaned.split("\n\n") if p.strip()]


def summary(text: str | None) -> str:
    found = paragraphs(text)
    return found[0] if found else ""


def argument_name(param: Parameter) -> str:
    name = str(param.metavar or param.name.upper())
    name += "..." if param.nargs != 1 else ""
    return name if param.required else f"[{name}]"


def option_names(param: Parameter) -> str:
    names = "/".join([", ".join(param.opts), *param.secondary_opts])
    if getattr(param, "is_flag", False) or getattr(param, "count", False):
        return names
    value = param.metavar or param.opts[0].lstrip("-").replace("-", "_").upper()
    return f"{names} {value}"


def describe(param: Parameter) -> str:
    """The help of an option or argument, then its environment variable, default, requirement."""
    parts = [" ".join(str(getattr(param, "help", None) or "").split())]
    envvar = getattr(param, "envvar", None)
    if isinstance(envvar, str) and envvar not in parts[0]:
        parts.append(f"\\[env: {envvar}]")
    default = _shown_default(param)
    if default is not None:
        parts.append(f"\\[default: {escape(default)}]")
    if param.required:
        parts.append("\\[required]")
    return " ".join(part for part in parts if part)


def _shown_default(param: Parameter) -> str | None:
    wanted = getattr(param, "show_default", None)
    if isinstance(wanted, str):
        return wanted
    default = param.default
    unset = default is None or default is False or default in ("", (), [])  # 0 is shown
    if wanted is not True or unset or callable(default):  # Click's own --help says nothing
        return None
    return str(default)


def _section(console: Console, title: str, rows: Iterable[tuple[str, str]]) -> None:
    table = Table.grid(padding=(0, 2), pad_edge=True)
    table.add_column(no_wrap=True, style="bold")  # names stay whole, to be copied
    table.add_column()
    for name, text in rows:
        table.add_row(escape(name), text)
    if table.row_count:
        console.print(f"\n[bold]{title}[/]")
        console.print(table)

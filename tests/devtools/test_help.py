"""`--help` of every command, at several terminal widths: no type labels, paragraphs filled to
the width, defaults shown."""

import re
from collections.abc import Iterator
from itertools import pairwise

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from hookdesk.cli import app
from hookdesk.devtools.help import HelpCommand, HelpGroup

ROOT = get_command(app)


def commands(command=ROOT, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], object]]:
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from commands(sub, (*path, name))


ALL = list(commands())


def help_of(path: tuple[str, ...], width: int) -> str:
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": str(width)})
    assert result.exit_code == 0, result.output
    return result.output


def test_every_command_and_group_uses_the_help_formatter() -> None:
    assert len(ALL) > 30
    for path, command in ALL:
        expected = HelpGroup if getattr(command, "commands", None) is not None else HelpCommand
        assert isinstance(command, expected), path


@pytest.mark.parametrize("width", [60, 80, 120])
def test_every_help_fits_the_terminal_and_names_no_python_types(width: int) -> None:
    for path, _ in ALL:
        shown = help_of(path, width)
        assert shown.startswith(f"Usage: {' '.join(('root', *path))}"), shown
        assert not re.search(r"<(str|bool|int|float|file|path|text)\b", shown), (path, shown)
        for line in shown.splitlines():
            assert len(line) <= width, (path, line)
            assert line == line.rstrip(), (path, line)


@pytest.mark.parametrize("width", [60, 80, 120])
def test_descriptions_are_filled_paragraphs_not_the_docstrings_lines(width: int) -> None:
    shown = help_of(("trigger",), width)
    description = shown.split("\n\n", 1)[1].split("\nArguments\n")[0]
    paragraphs = [p.splitlines() for p in description.split("\n\n")]
    assert len(paragraphs) == 3
    for lines in paragraphs:
        for line, following in pairwise(lines):
            # greedy filling: the next line's first word did not fit on this one
            assert len(line) + 1 + len(following.split()[0]) > width, (line, following)


def test_options_show_a_placeholder_for_their_value_and_their_default() -> None:
    shown = " ".join(help_of(("trigger",), 200).split())
    assert (
        "--api-url URL hookdesk's URL. [env: HOOKDESK_API_URL] [default: http://127.0.0.1:8000]"
        in shown
    )
    assert "--api-key KEY" in shown
    assert "--json Print JSON" in shown  # a flag: nothing after its name
    assert "EVENT_TYPE One of: whitelabel.ticket.created" in shown
    serve = " ".join(help_of(("serve",), 200).split())
    assert "--port PORT Port to listen on. [default: 8000]" in serve
    assert "--dev Development mode" in serve
    assert "--database-url URL" in serve
    root = " ".join(help_of((), 200).split())
    assert (
        "--config FILE A TOML file of settings; the environment and flags override it. [env: HOOKDESK_CONFIG]"
        in root
    )
    assert "Commands listen Stream the account's events" in root

"""The README's commands exist as written: its scripts, its `.venv/bin` programs, every `hookdesk`
command it names (with its options), and the files it links to."""

import os
import re
import shlex
import sys
from pathlib import Path

from typer.main import get_command

from hookdesk.cli import app

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text()
BIN = Path(sys.executable).parent  # .venv/bin, or .venv-lowest/bin under scripts/test-lowest


def shell_lines() -> list[str]:
    """The command lines of the README's `sh` blocks, comments cut (and lines that are only a
    comment); curl's lines aside (their JSON bodies span lines)."""
    blocks = re.findall(r"```sh\n(.*?)```", README, flags=re.S)
    lines = [line.split(" # ")[0].strip() for block in blocks for line in block.splitlines()]
    starts = [line for line in lines if line and not line.startswith(("curl ", "-", '"', "#"))]
    return [line for line in starts if line.count("'") % 2 == 0]


def program_and_arguments(line: str) -> list[str]:
    words = shlex.split(line.replace("<", "'<").replace(">", ">'"))
    while words and re.fullmatch(r"[A-Z_]+=.*", words[0]):  # VAR=value before the program
        words.pop(0)
    return words


def hookdesk_commands() -> list[list[str]]:
    """Every `hookdesk …` the README names, in code blocks or inline."""
    inline = re.findall(r"`hookdesk ([^`]+)`", README.replace("\n", " "))
    from_blocks = [
        words[1:]
        for words in map(program_and_arguments, shell_lines())
        if words and words[0] == ".venv/bin/hookdesk"
    ]
    return [shlex.split(c) for c in inline] + from_blocks


def test_every_program_the_readme_runs_exists() -> None:
    lines = shell_lines()
    assert len(lines) >= 12
    for line in lines:
        words = program_and_arguments(line)
        if not words or words[0] == "export":
            continue
        program = words[0]
        if program.startswith(".venv/bin/"):
            assert (BIN / program.removeprefix(".venv/bin/")).exists(), line
        else:
            assert (ROOT / program).is_file(), line
            assert os.access(ROOT / program, os.X_OK), line


def test_every_hookdesk_command_and_option_the_readme_names_exists() -> None:
    root = get_command(app)
    named = hookdesk_commands()
    assert len(named) >= 10
    for words in named:
        command, rest = root, list(words)
        while rest and hasattr(command, "commands") and rest[0] in command.commands:
            command = command.commands[rest.pop(0)]
        assert not hasattr(command, "commands"), f"hookdesk {' '.join(words)}: no such command"
        options = {o for p in command.params for o in p.opts if o.startswith("--")}
        used = {w.split("=")[0] for w in rest if w.startswith("--")}
        assert used <= options, f"hookdesk {' '.join(words)}: {used - options} unknown"


def test_every_file_the_readme_links_to_exists() -> None:
    targets = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", README)
    assert len(targets) >= 10
    for target in targets:
        if not target.startswith("http"):
            assert (ROOT / target).exists(), target
    for script in set(re.findall(r"\bscripts/[a-z-]+", README)):
        assert os.access(ROOT / script, os.X_OK), script

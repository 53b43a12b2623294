"""How to run hookdesk from where the user stands, for the commands that messages suggest.

`hookdesk` is on the PATH only in an activated virtual environment or an installed package: a
newcomer who ran `.venv/bin/hookdesk demo` must be told `.venv/bin/hookdesk listen`, not
`hookdesk listen`.
"""

import shlex
import shutil
import sys
from pathlib import Path

import hookdesk

# The source checkout this hookdesk runs from (an editable install), if any.
CHECKOUT = Path(hookdesk.__file__).resolve().parents[2]


def command() -> str:
    """`hookdesk` when that runs this very program, else the path it was started by (relative to
    the working folder when inside it), else `python -m hookdesk` with this Python."""
    started = Path(sys.argv[0])
    if started.name != "hookdesk":  # python -m hookdesk, or called from Python
        return f"{shown(Path(sys.executable))} -m hookdesk"
    on_path = shutil.which("hookdesk")
    if on_path and Path(on_path).resolve() == started.resolve():
        return "hookdesk"
    return shown(started)


def as_run_here(text: str) -> str:
    """`text` with each `hookdesk …` command it quotes spelled as it runs from here."""
    spelled = command()
    return text if spelled == "hookdesk" else text.replace("`hookdesk ", f"`{spelled} ")


def source_file(relative: str) -> str | None:
    """A file of the source checkout (`scripts/serve`), as a path that works from here; None
    when hookdesk is not running from a checkout."""
    path = CHECKOUT / relative
    return shown(path) if (CHECKOUT / "pyproject.toml").exists() and path.exists() else None


def shown(path: Path) -> str:
    """The path relative to the working folder when inside it, else absolute; shell-quoted."""
    absolute = path.absolute()  # not resolved: a venv's python is a symlink
    try:
        relative = absolute.relative_to(Path.cwd())
    except ValueError:
        return shlex.quote(str(absolute))
    text = str(relative)
    return shlex.quote(text if "/" in text else f"./{text}")

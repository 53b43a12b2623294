"""The `hookdesk` command's entry point: a clear message when the server extra is missing."""

import sys


def main() -> None:
    try:
        from hookdesk.cli import app  # noqa: PLC0415  (the server's dependencies may be absent)

        app()
    except ImportError as error:  # at start, or when a server command loads the server stack
        sys.stderr.write(
            f"error: the hookdesk server needs its dependencies ({error.name} is missing): "
            "pip install 'hookdesk[server]'\n"
        )
        raise SystemExit(1) from None

"""The Jinja2 environment of every page, and the filters templates use."""

from datetime import UTC, datetime
from pathlib import Path

from fastapi.templating import Jinja2Templates

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
HTMX = "htmx-2.0.11.min.js"

templates = Jinja2Templates(directory=TEMPLATES)


def when(timestamp: int | float | None) -> str:
    """Unix seconds as `2026-11-27 14:05 UTC`; what every page shows."""
    if timestamp is None:
        return "—"
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M UTC")


def iso(timestamp: int | float) -> str:
    """For `<time datetime=...>`."""
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")


templates.env.filters["when"] = when
templates.env.filters["iso"] = iso
templates.env.globals["htmx"] = HTMX

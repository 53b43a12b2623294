"""The Jinja2 environment of every page, and the filters templates use."""

import time
from datetime import UTC, datetime
from pathlib import Path

from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
HTMX = "htmx-2.0.11.min.js"

templates = Jinja2Templates(directory=TEMPLATES)

# (upper bound in seconds, size of the unit in seconds, its name): the first row that fits names the
# distance, so 90 s reads "1 min ago" and 36 h "1 day ago".
_UNITS = ((3600, 60, "min"), (86400, 3600, "h"), (30 * 86400, 86400, "day"))


def when(timestamp: int | float | None) -> str:
    """Unix seconds as `2026-11-27 14:05 UTC`: the exact time, in every page's one format."""
    if timestamp is None:
        return "—"
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M UTC")


def iso(timestamp: int | float) -> str:
    """For `<time datetime=...>`."""
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")


def ago(timestamp: int | float, now: float | None = None) -> str:
    """How long before `now`: `just now`, `5 min ago`, `3 h ago`, `2 days ago`; older than 30 days,
    the date (`2026-10-01`). A time in the future (a retry) reads `in 5 min`."""
    distance = (time.time() if now is None else now) - timestamp
    ahead, distance = distance < 0, abs(distance)
    if distance < 60:
        return "just now" if not ahead else "in under a minute"
    for bound, unit, name in _UNITS:
        if distance < bound:
            count = int(distance // unit)
            label = f"{count} {name}{'s' if name == 'day' and count != 1 else ''}"
            return f"in {label}" if ahead else f"{label} ago"
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")


def moment(timestamp: int | float | None) -> Markup:
    """How every page shows a time: relative (`5 min ago`), with the exact UTC time on hover and
    in `datetime` for machines and screen readers."""
    if timestamp is None:
        return Markup("—")
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        iso(timestamp), when(timestamp), escape(ago(timestamp))
    )


templates.env.filters["when"] = when
templates.env.filters["iso"] = iso
templates.env.filters["ago"] = ago
templates.env.filters["moment"] = moment
templates.env.globals["htmx"] = HTMX

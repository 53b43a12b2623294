"""The Jinja2 environment of every page, and the filters templates use."""

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from babel.dates import format_date, format_timedelta
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
HTMX = "htmx-2.0.11.min.js"

templates = Jinja2Templates(directory=TEMPLATES)
# Pages are written in English; the portal's pages lend their context the gettext functions of
# the client's language (web/portal/language.py), every other page has these.
templates.env.add_extension("jinja2.ext.i18n")
templates.env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
ENGLISH = "en"

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


def moment(timestamp: int | float | None, language: str = ENGLISH) -> Markup:
    """How every page shows a time: relative (`5 min ago`), with the exact UTC time on hover and
    in `datetime` for machines and screen readers."""
    if timestamp is None:
        return Markup("—")
    shown = ago(timestamp) if language == ENGLISH else ago_in(language, timestamp)
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        iso(timestamp), when(timestamp), escape(shown)
    )


def ago_in(language: str, timestamp: int | float, now: float | None = None) -> str:
    """`ago` in another language, by Babel: `5 minuten geleden`, `vor 3 Stunden`."""
    distance = timestamp - (time.time() if now is None else now)
    if abs(distance) >= _UNITS[-1][0]:
        return format_date(datetime.fromtimestamp(timestamp, UTC), "medium", locale=language)
    return format_timedelta(timedelta(seconds=distance), add_direction=True, locale=language)


@pass_context
def _moment_in_page(context: Context, timestamp: int | float | None) -> Markup:
    """`|moment`, in the page's `language` when it has one (the portal's)."""
    return moment(timestamp, context.get("language", ENGLISH))


templates.env.filters["when"] = when
templates.env.filters["iso"] = iso
templates.env.filters["ago"] = ago
templates.env.filters["moment"] = _moment_in_page
templates.env.globals["htmx"] = HTMX

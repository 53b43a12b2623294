"""Posted dashboard forms: their values, and their errors by field."""

from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from hookdesk.errors import HookdeskError
from hookdesk.shared.timeparse import parse_time
from hookdesk.web.forms import FORM, field_errors, sentence
from hookdesk.web.pages import Errors, text
from hookdesk.webhooks.endpoints import urls

# Clearer words than pydantic's for the mistakes a person makes in these forms.
MESSAGES = {
    ("url", "string_too_short"): "Enter the URL to send events to.",
    ("events", "too_short"): "Choose at least one event type.",
    ("event_type", "enum"): "Choose an event type.",
}


def endpoint_values(form: FormData) -> dict[str, Any]:
    """The endpoint form's fields, as typed, to show again beside any error."""
    events = [e for e in form.getlist("events") if isinstance(e, str)]
    return {"url": text(form, "url"), "events": events, "description": text(form, "description")}


def schema_input(values: dict[str, Any]) -> dict[str, Any]:
    """The form's fields as the schemas take them: an empty description clears it."""
    return {**values, "description": values["description"] or None}


def validation_errors(error: ValidationError) -> Errors:
    return field_errors(error, messages=MESSAGES)


def endpoint_errors(error: ValidationError, url: str, *, dev: bool) -> Errors:
    """The schema's errors and, so that every mistake shows at once, the URL's if it is unsafe
    (the service checks it only once the rest is valid)."""
    errors = validation_errors(error)
    if url and "url" not in errors:
        try:
            urls.check(url, dev=dev)
        except urls.UnsafeUrl as unsafe:
            errors["url"] = sentence(str(unsafe))
    return errors


def service_errors(error: HookdeskError, fields: Collection[str], default: str = FORM) -> Errors:
    """A service's "field: message" beside its field; any other message at `default`."""
    return field_errors(error, fields={name: name for name in fields}, default=default)


def since_time(form: FormData) -> int:
    """The recover form's `since` (a datetime-local value, taken as UTC), or ValueError."""
    value = text(form, "since")
    if not value:
        raise ValueError("Enter the time to recover failed deliveries from.")
    try:
        return parse_time(value)
    except ValueError:
        raise ValueError("Enter a date and time, such as 2026-01-31 14:00.") from None


def datetime_local(timestamp: float) -> str:
    """A `datetime-local` input's value (UTC, as the pages show every time)."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M")

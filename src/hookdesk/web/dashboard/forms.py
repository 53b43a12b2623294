"""Posted dashboard forms: their values, and their errors by field."""

from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
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
    ("api_version", "literal_error"): "Choose an API version from the list.",
    **{
        ("rate_limit", kind): "Enter a whole number from 1 to 1000, or leave it empty for no limit."
        for kind in ("int_type", "int_parsing", "greater_than_equal", "less_than_equal")
    },
}


def endpoint_values(form: FormData) -> dict[str, Any]:
    """The endpoint form's fields, as typed, to show again beside any error."""
    events = [e for e in form.getlist("events") if isinstance(e, str)]
    return {
        "url": text(form, "url"),
        "events": events,
        "description": text(form, "description"),
        "ordered": text(form, "ordered") == "on",
        "api_version": text(form, "api_version"),
        "headers": _header_rows(form),
        "rate_limit": text(form, "rate_limit"),
    }


def schema_input(values: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    """The form's fields as the schemas take them: an empty description clears it, and the
    header rows with a name become the `headers` object (a row with a value and no name is an
    error, in `header_errors`). The API version is chosen once, when the endpoint is created
    (none chosen: the API's default)."""
    fields = {
        "url": values["url"],
        "events": values["events"],
        "description": values["description"] or None,
        "ordered": values["ordered"],
        "headers": {name: value for name, value in values["headers"] if name},
        # Empty: no limit (on a change, the limit is removed).
        "rate_limit": _version(values["rate_limit"]) if values["rate_limit"] else None,
    }
    if creating and values["api_version"]:
        fields["api_version"] = _version(values["api_version"])
    return fields


def header_errors(values: dict[str, Any]) -> Errors:
    """What the `headers` object cannot say: a value typed without its header's name, and one
    name on two rows (the object would keep only the last)."""
    names = [name for name, _ in values["headers"] if name]
    if any(value and not name for name, value in values["headers"]):
        return {"headers": "Enter the name of each header that has a value."}
    if len(set(names)) != len(names):
        return {"headers": "Each header may be on one row only."}
    return {}


class Refused(Exception):
    """The endpoint form's values are not valid: its errors by field."""

    def __init__(self, errors: Errors) -> None:
        super().__init__(errors)
        self.errors = errors


Schema = TypeVar("Schema", bound=BaseModel)


def validated(schema: type[Schema], values: dict[str, Any], *, creating: bool, dev: bool) -> Schema:
    """The endpoint form's values as the schema's, or Refused with every error at once."""
    errors = header_errors(values)
    try:
        data = schema.model_validate(schema_input(values, creating=creating))
    except ValidationError as error:
        raise Refused(endpoint_errors(error, values["url"], dev=dev) | errors) from None
    if errors:
        raise Refused(errors)
    return data


def _header_rows(form: FormData) -> list[tuple[str, str]]:
    names = [n.strip() if isinstance(n, str) else "" for n in form.getlist("header_name")]
    values = [v.strip() if isinstance(v, str) else "" for v in form.getlist("header_value")]
    values += [""] * (len(names) - len(values))
    return [(name, value) for name, value in zip(names, values, strict=False) if name or value]


def _version(typed: str) -> int | str:
    """The chosen API version (or a typed rate limit) as the schema takes it; what is not a
    number stays text, which the schema refuses with its message."""
    return int(typed) if typed.isdigit() else typed


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


def day_start(value: str) -> int:
    """A `date` input's day (UTC) as the Unix seconds it starts at, or ValueError in words."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ValueError("Enter a date, such as 2026-01-31.") from None
    return int(datetime.combine(day, time(), UTC).timestamp())


def day_end(value: str) -> int:
    """The last second of a `date` input's day (UTC): a range's `to` takes the whole day."""
    return day_start(value) + int(timedelta(days=1).total_seconds()) - 1

"""Turning the services' refusals into messages shown beside a form's fields."""

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from hookdesk.errors import HookdeskError

FORM = "_form"  # an error about the whole form, shown above it


def field_errors(
    refusal: ValidationError | HookdeskError, *, default: str = FORM
) -> dict[str, str]:
    """{field: message}. A service's message names its field first ("url: ..."); one that names
    none goes to `default`."""
    if isinstance(refusal, ValidationError):
        return {
            _field_of(problem["loc"], default): _sentence(problem) for problem in refusal.errors()
        }
    field, separator, message = refusal.message.partition(": ")
    if separator and field.isidentifier():
        return {field: _capitalized(message)}
    return {default: refusal.message}


def _field_of(location: tuple[int | str, ...], default: str) -> str:
    return str(location[0]) if location else default


def _sentence(problem: ErrorDetails) -> str:
    if problem["type"] == "missing" or problem["type"] == "string_too_short":
        return "This field is required."
    return _capitalized(str(problem["msg"]).removeprefix("Value error, ")) + "."


def _capitalized(message: str) -> str:
    return message[:1].upper() + message[1:]

"""Turning the services' refusals into messages shown beside a form's fields."""

from collections.abc import Mapping

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from hookdesk.errors import HookdeskError
from hookdesk.web.pages import Errors

FORM = "_form"  # an error about the whole form, shown above it
# (form field, pydantic error type) -> clearer words for what a person got wrong in a form
Messages = Mapping[tuple[str, str], str]
EMPTY = ("missing", "string_too_short", "uuid_parsing", "uuid_type")


def field_errors(
    refusal: ValidationError | HookdeskError,
    *,
    fields: Mapping[str, str] | None = None,
    messages: Messages | None = None,
    default: str = FORM,
) -> Errors:
    """{form field: message}. `fields` maps a schema's field names to the form's where they
    differ. A service's refusal about a field the form has (one of `fields`, when given) is shown
    beside it; any other at `default`."""
    if isinstance(refusal, HookdeskError):
        return _refusal_errors(refusal, fields, default)
    errors: Errors = {}
    for problem in refusal.errors():
        name = str(problem["loc"][0]) if problem["loc"] else default
        name = (fields or {}).get(name, name)
        errors.setdefault(name, _message(name, problem, messages or {}))
    return errors


def sentence(message: str) -> str:
    """The message as a sentence: a capital, a full stop. A first word that is not a plain word
    (a file's name, `run.sh: ...`) is left as written."""
    message = message.strip().rstrip(".").removeprefix("Value error, ")
    first = message.split(" ", 1)[0]
    if first.isalpha():
        message = message[:1].upper() + message[1:]
    return message + "."


def _refusal_errors(
    refusal: HookdeskError, fields: Mapping[str, str] | None, default: str
) -> Errors:
    name = refusal.field
    if name is not None and (fields is None or name in fields or name in fields.values()):
        return {(fields or {}).get(name, name): sentence(refusal.detail)}
    return {default: refusal.message}


def _message(field: str, problem: ErrorDetails, messages: Messages) -> str:
    if (field, problem["type"]) in messages:
        return messages[(field, problem["type"])]
    if problem["type"] in EMPTY:
        return "This field is required."
    if problem["type"] == "string_too_long":
        return f"Use at most {problem.get('ctx', {}).get('max_length')} characters."
    return sentence(problem["msg"])

"""A refused ticket or reply, as messages beside the portal form's fields."""

from collections.abc import Mapping

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from hookdesk.errors import HookdeskError
from hookdesk.web.pages import Errors

FORM = "_form"
# What to ask for when a field was left empty (or, for the topic, not chosen).
EMPTY = {
    "title": "Enter a title.",
    "topic": "Choose a topic.",
    "description": "Describe what you need help with.",
    "reply": "Write your reply.",
}
EMPTY_PROBLEMS = {"missing", "string_too_short", "uuid_parsing", "uuid_type"}


def field_errors(refusal: ValidationError | HookdeskError, fields: Mapping[str, str]) -> Errors:
    """{form field: message}; `fields` maps the schema's field names to the form's."""
    if isinstance(refusal, HookdeskError):
        name, separator, message = refusal.message.partition(": ")
        if separator and name in fields:
            return {fields[name]: _capitalized(message)}
        return {FORM: refusal.message}
    errors: Errors = {}
    for problem in refusal.errors():
        name = fields.get(str(problem["loc"][0]), FORM) if problem["loc"] else FORM
        errors.setdefault(name, _sentence(name, problem))
    return errors


def _sentence(field: str, problem: ErrorDetails) -> str:
    if problem["type"] in EMPTY_PROBLEMS and field in EMPTY:
        return EMPTY[field]
    if problem["type"] == "string_too_long":
        return f"Use at most {problem.get('ctx', {}).get('max_length')} characters."
    return _capitalized(problem["msg"]) + "."


def _capitalized(message: str) -> str:
    return message[:1].upper() + message[1:]

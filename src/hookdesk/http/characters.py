"""One rule for the two characters no text may hold (shared/text.py), wherever they come from
(path, query string, JSON body, form): input carrying one is refused with a 400 naming the field
(FORBIDDEN_CHARACTER). NUL is typed by nobody; a lone surrogate can only come from JSON's
`\\ud800` escape.

Refusing rather than removing them keeps what is stored exactly what was sent.
"""

from collections.abc import Iterator
from typing import Any

from fastapi import Request
from fastapi.routing import APIRoute
from starlette.datastructures import UploadFile

from hookdesk.errors import BadRequest, ErrorCode
from hookdesk.http.pages import is_page
from hookdesk.shared.text import FORBIDDEN, printable

JSON_TYPES = ("application/json", "+json")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def refuse_forbidden_characters(request: Request) -> None:
    """A dependency of every route (app.py); a page shows the refusal as its error page."""
    for field, text in await _texts(request):
        found = FORBIDDEN.search(text)
        if found:
            raise BadRequest(
                f"contains {_name(found[0])}, which no text may hold.",
                field=printable(field),
                code=ErrorCode.FORBIDDEN_CHARACTER,
            )


async def _texts(request: Request) -> list[tuple[str, str]]:
    """(field, text) for every name and value the route will read."""
    texts = list(request.path_params.items())
    for name, value in request.query_params.multi_items():
        texts += [(name, name), (name, value)]
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type.endswith(JSON_TYPES) and _takes_a_body(request):
        texts += _json_texts(await _parsed_json(request))
    elif content_type in FORM_TYPES and _reads_forms(request):
        texts += _form_texts(await request.form())
    return texts


def _takes_a_body(request: Request) -> bool:
    """Whether FastAPI read the body for the route. Routes that read a raw body themselves
    (signature verification, received mail) judge its characters: reading it as a form here
    would leave them nothing to read."""
    route = request.scope.get("route")
    return isinstance(route, APIRoute) and route.body_field is not None


def _reads_forms(request: Request) -> bool:
    """The upload route's form is read by FastAPI, the pages' by their own dependencies."""
    return _takes_a_body(request) or is_page(request.url.path)


async def _parsed_json(request: Request) -> Any:
    # Parsed and kept already by FastAPI for the route's body; a body that does not parse is the
    # route's to refuse, with its own message.
    try:
        return await request.json()
    except (ValueError, RecursionError):
        return None


def _json_texts(document: Any) -> Iterator[tuple[str, str]]:
    # Iterative: the parser accepts nesting deeper than a recursive walk here would.
    pending: list[tuple[tuple[str, ...], Any]] = [((), document)]
    while pending:
        path, value = pending.pop()
        if isinstance(value, str):
            yield ".".join(path) or "body", value
        elif isinstance(value, dict):
            for key, item in value.items():
                yield ".".join((*path, key)), key
                pending.append(((*path, key), item))
        elif isinstance(value, list):
            pending.extend(((*path, str(index)), item) for index, item in enumerate(value))


def _form_texts(form: Any) -> Iterator[tuple[str, str]]:
    for name, value in form.multi_items():
        yield name, name
        if isinstance(value, UploadFile):
            yield name, value.filename or ""
        else:
            yield name, value


def _name(character: str) -> str:
    if character == "\x00":
        return "a NUL character (\\u0000)"
    return f"a lone surrogate (\\u{ord(character):04x})"

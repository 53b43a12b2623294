"""The OpenAPI document says which errors each route really answers, in hookdesk's envelope.

FastAPI documents a 422 for every route with input; hookdesk answers such errors with a 400 in
its error envelope (http/errors.py). Beyond what each route declares, every route that takes an
API key may answer 401 (no or a bad key), 429 (its rate limit, accounts/ratelimit.py) and 503
(the database away); one with an id in its path, 404; one with a body, 413.
"""

from typing import Any

from fastapi import FastAPI

from hookdesk.http.errors import DATABASE_RETRY_AFTER

_ANSWERS_OF_EVERY_KEYED_ROUTE = {
    "401": "No API key, or not a valid one.",
    "503": f"The database is not reachable: try again (Retry-After: {DATABASE_RETRY_AFTER}).",
}


def document_errors_as_sent(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            for operation in _operations(schema):
                _document(operation)
            schema.get("components", {}).get("schemas", {}).pop("HTTPValidationError", None)
            schema.get("components", {}).get("schemas", {}).pop("ValidationError", None)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _document(operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    if responses.pop("422", None) is not None and "400" not in responses:
        responses["400"] = _error_response("Bad input: the message names the field.")
    if not operation.get("security"):
        return
    for status, description in _ANSWERS_OF_EVERY_KEYED_ROUTE.items():
        responses.setdefault(status, _error_response(description))
    responses["429"] = _rate_limited_response()
    if any(p.get("in") == "path" for p in operation.get("parameters", [])):
        responses.setdefault("404", _error_response("No such object in this account."))
    if "requestBody" in operation:
        responses.setdefault("413", _error_response("The body is over the size limit."))


def _operations(schema: dict[str, Any]) -> list[dict[str, Any]]:
    return [operation for path in schema.get("paths", {}).values() for operation in path.values()]


def _rate_limited_response() -> dict[str, Any]:
    retry_after = {
        "description": "Whole seconds until the API key may make a request again (at least 1).",
        "schema": {"type": "integer", "minimum": 1},
    }
    described = _error_response("Over the API key's rate limit: nothing was done.")
    return described | {"headers": {"Retry-After": retry_after, **_RATE_LIMIT_HEADERS}}


# Sent with every answer to a counted request (http/ratelimit.py); documented on the 429.
_RATE_LIMIT_HEADERS = {
    name: {"description": description, "schema": {"type": "integer", "minimum": 0}}
    for name, description in (
        ("RateLimit-Limit", "The API key's bucket: how many requests it holds at most."),
        ("RateLimit-Remaining", "Whole requests left in the bucket (0 on a 429)."),
        ("RateLimit-Reset", "Whole seconds until the bucket is full again."),
    )
}


def _error_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
    }

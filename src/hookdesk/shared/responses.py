"""The success envelopes, and their shapes for the OpenAPI document."""

from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, create_model


class ErrorBody(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "status": 400,
                    "error": "title: String should have at least 1 character",
                    "error_code": 1002,
                }
            ]
        }
    )

    status: int
    error: str
    error_code: int


def one(name: str, item: Any) -> JSONResponse:
    return JSONResponse({"status": 200, name: item})


def many(plural: str, total: int, items: list[Any]) -> JSONResponse:
    return JSONResponse({"status": 200, "total_results": total, plural: items})


def _error_docs(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorBody} for status in statuses}


def documents_one(name: str, model: type[BaseModel], *errors: int) -> dict[int | str, Any]:
    envelope = create_model(f"{model.__name__}Envelope", status=(int, 200), **{name: (model, ...)})  # type: ignore[call-overload]
    return {200: {"model": envelope}, **_error_docs(400, 401, *errors)}


def documents_many(plural: str, model: type[BaseModel], *errors: int) -> dict[int | str, Any]:
    envelope = create_model(
        f"{model.__name__}ListEnvelope",
        status=(int, 200),
        total_results=(int, ...),
        **{plural: (list[model], ...)},  # type: ignore[valid-type]
    )  # type: ignore[call-overload]
    return {200: {"model": envelope}, **_error_docs(400, 401, *errors)}


def documents(model: type[BaseModel], *errors: int) -> dict[int | str, Any]:
    """An answer whose fields sit beside `status` rather than inside a named object."""
    return {200: {"model": model}, **_error_docs(401, *errors)}

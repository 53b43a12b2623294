from typing import Annotated, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from hookdesk.models.categories import TicketCategory
from hookdesk.shared.languages import ISO_639_1
from hookdesk.shared.schemas import Name, RequestBody, Text


def _known_language(code: str) -> str:
    if code not in ISO_639_1:
        raise ValueError(f"'{code}' is not an ISO 639-1 language code (such as 'en' or 'fr')")
    return code


def _distinct(names: list[str]) -> list[str]:
    if len(set(names)) != len(names):
        raise ValueError("subcategory names must be distinct")
    return names


Language = Annotated[
    str,
    StringConstraints(strict=True, strip_whitespace=True, to_lower=True),
    AfterValidator(_known_language),
]
Subcategories = Annotated[list[Name], Field(max_length=100), AfterValidator(_distinct)]


class CategoryCreate(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "title": "General Support",
                    "language": "en",
                    "automated_reply": "Thanks for contacting us. An agent will answer shortly.",
                    "subcategories": ["Billing", "Access"],
                }
            ]
        }
    )

    title: Name
    language: Language
    automated_reply: Text | None = None
    teammate_id: UUID | None = None
    subcategories: Subcategories = Field(default_factory=list)


class CategoryUpdate(RequestBody):
    """Only the fields present change; `null` clears an optional one."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"automated_reply": None, "subcategories": ["Billing", "Access", "Refunds"]}
            ]
        }
    )

    title: Name | None = None
    language: Language | None = None
    automated_reply: Text | None = None
    teammate_id: UUID | None = None
    subcategories: Subcategories | None = None

    @model_validator(mode="after")
    def _required_fields_not_null(self) -> "CategoryUpdate":
        for name in ("title", "language", "subcategories"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class CategoryRead(BaseModel):
    id: str
    object: Literal["ticket_category"]
    title: str
    language: str
    teammate_id: str | None
    auto_reply: str | None
    subcategories: list[str]
    created_at: int


def category_object(category: TicketCategory) -> dict[str, object]:
    return {
        "id": category.id,
        "object": "ticket_category",
        "title": category.title,
        "language": category.language,
        "teammate_id": category.teammate_id,
        "auto_reply": category.auto_reply,
        "subcategories": list(category.subcategories),
        "created_at": category.created_at,
    }

"""Field types shared by request schemas: strict JSON types, trimmed text, checked emails."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, StringConstraints

Name = Annotated[
    str, StringConstraints(strict=True, strip_whitespace=True, min_length=1, max_length=200)
]
Text = Annotated[
    str, StringConstraints(strict=True, strip_whitespace=True, min_length=1, max_length=20_000)
]
Email = Annotated[EmailStr, StringConstraints(max_length=320)]


class RequestBody(BaseModel):
    """Unknown fields are refused: a misspelt optional field should not be silently ignored."""

    model_config = ConfigDict(extra="forbid")

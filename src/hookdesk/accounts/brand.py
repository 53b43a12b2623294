"""The brand the client portal wears: a display name, a logo and a primary colour."""

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy.orm import Session

from hookdesk.models.accounts import Account
from hookdesk.shared.schemas import Name, RequestBody

DEFAULT_COLOR = "#2f54c6"

Color = Annotated[
    str, StringConstraints(strict=True, strip_whitespace=True, pattern=r"^#[0-9a-fA-F]{6}$")
]
LogoUrl = Annotated[
    str,
    StringConstraints(strict=True, strip_whitespace=True, max_length=2000),
    Field(pattern=r"^https?://[^\s\"'<>()]+$"),
]


class BrandUpdate(RequestBody):
    """Only the fields sent change; null clears one back to its default."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "display_name": "Acme Support",
                    "primary_color": "#1f6feb",
                    "logo_url": "https://cdn.example.com/acme.png",
                }
            ]
        }
    )

    display_name: Name | None = None
    logo_url: LogoUrl | None = Field(default=None, description="An http(s) URL of an image.")
    primary_color: Color | None = Field(default=None, description="`#rrggbb`.")


class BrandRead(BaseModel):
    object: Literal["brand"]
    display_name: str
    logo_url: str | None
    primary_color: str


@dataclass(frozen=True)
class Brand:
    display_name: str
    logo_url: str | None
    primary_color: str


def brand_of(account: Account) -> Brand:
    return Brand(
        display_name=account.brand_name or account.name,
        logo_url=account.brand_logo_url,
        primary_color=account.brand_color or DEFAULT_COLOR,
    )


def brand_object(account: Account) -> dict[str, object]:
    shown = brand_of(account)
    return {
        "object": "brand",
        "display_name": shown.display_name,
        "logo_url": shown.logo_url,
        "primary_color": shown.primary_color,
    }


def get(session: Session, *, account_id: str) -> Account:
    account = session.get(Account, account_id)
    if account is None:  # the API key or session that named it was checked a moment ago
        raise LookupError(account_id)
    return account


def update(session: Session, *, account_id: str, data: BrandUpdate) -> Account:
    account = get(session, account_id=account_id)
    sent = data.model_fields_set
    if "display_name" in sent:
        account.brand_name = data.display_name
    if "logo_url" in sent:
        account.brand_logo_url = data.logo_url
    if "primary_color" in sent:
        account.brand_color = data.primary_color.lower() if data.primary_color else None
    return account

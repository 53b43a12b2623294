"""The brand the client portal wears: a display name, a logo and a primary colour; and the
colours that stay readable with it (WCAG 2 contrast), which every page's buttons and links use."""

import re
from dataclasses import dataclass
from typing import Annotated, Literal
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy.orm import Session

from hookdesk.models.accounts import Account
from hookdesk.shared.schemas import Name, RequestBody

DEFAULT_COLOR = "#2f54c6"
WHITE = "#ffffff"
DARK = "#000000"  # black: the dark text that reads best on any colour white does not
READABLE = 4.5  # WCAG AA for normal text
_UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
# the address of a file uploaded here (assets/api.py)
UPLOADED_LOGO = re.compile(rf"(?P<base>.*)/assets/(?P<account>{_UUID})/(?P<asset>{_UUID})/[^/]+")

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

    @property
    def text_color(self) -> str:
        """The text on a button of the primary colour."""
        return text_on(self.primary_color)

    @property
    def link_color(self) -> str:
        return link_on_white(self.primary_color)

    @property
    def favicon_url(self) -> str:
        """The logo (an uploaded one made square: assets/icons.py); without one, the name's first
        letter on the primary colour."""
        if not self.logo_url:
            return letter_icon(self.display_name, self.primary_color)
        uploaded = UPLOADED_LOGO.fullmatch(self.logo_url)
        if uploaded is None:
            return self.logo_url
        return f"{uploaded['base']}/icons/{uploaded['account']}/{uploaded['asset']}.png"


def luminance(color: str) -> float:
    """The relative luminance of `#rrggbb` (WCAG 2)."""
    channels = (int(color[i : i + 2], 16) / 255 for i in (1, 3, 5))
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    """From 1 (the same) to 21 (black on white)."""
    lighter, darker = sorted((luminance(a), luminance(b)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_on(color: str) -> str:
    """White while it is readable on `color`; otherwise white or dark, whichever reads better."""
    if contrast_ratio(WHITE, color) >= READABLE:
        return WHITE
    return max((WHITE, DARK), key=lambda text: contrast_ratio(text, color))


def link_on_white(color: str) -> str:
    """`color` darkened, keeping its hue, until it is readable as text on a white page."""
    channels = [int(color[i : i + 2], 16) for i in (1, 3, 5)]
    shade = 1.0
    while True:
        shown = "#" + "".join(f"{round(c * shade):02x}" for c in channels)
        if contrast_ratio(shown, WHITE) >= READABLE:
            return shown
        shade -= 0.05  # black, at 0, always passes


def letter_icon(name: str, color: str) -> str:
    """A square SVG icon as a data: URL."""
    letter = next((c for c in name if c.isalnum()), "?").upper()
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
        f'<rect width="32" height="32" rx="6" fill="{color}"/>'
        f'<text x="16" y="23" font-size="20" font-family="sans-serif" text-anchor="middle" '
        f'fill="{text_on(color)}">{letter}</text></svg>'
    )
    return "data:image/svg+xml," + quote(svg)


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

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, StringConstraints

from hookdesk.models.ratings import TicketRating
from hookdesk.shared.schemas import RequestBody

MAX_COMMENT = 2_000
Comment = Annotated[
    str, StringConstraints(strict=True, strip_whitespace=True, max_length=MAX_COMMENT)
]


class RatingCreate(RequestBody):
    good: bool
    comment: Comment | None = None


class RatingRead(BaseModel):
    id: str
    object: Literal["ticket_rating"]
    ticket_id: str
    good: bool
    comment: str | None
    created_at: int


@dataclass(frozen=True)
class RatingView:
    """A rating as the pages show it."""

    good: bool
    comment: str | None
    created_at: int


def rating_view(rating: TicketRating) -> RatingView:
    return RatingView(good=rating.good, comment=rating.comment, created_at=rating.created_at)


@dataclass(frozen=True)
class Share:
    """How many ratings over a period, and how many of them good."""

    good: int
    total: int

    @property
    def percent_good(self) -> int | None:
        return round(100 * self.good / self.total) if self.total else None


def rating_object(rating: TicketRating) -> dict[str, object]:
    return {
        "id": rating.id,
        "object": "ticket_rating",
        "ticket_id": rating.ticket_id,
        "good": rating.good,
        "comment": rating.comment,
        "created_at": rating.created_at,
    }

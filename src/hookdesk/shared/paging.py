from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query

MAX_PER_PAGE = 100
MAX_PAGE = 1_000_000  # keeps the row offset within what every database takes


@dataclass(frozen=True)
class Page:
    page: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


async def _optional_page(
    page: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page number, from 1.")] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE, description="Items per page.")] = 20,
) -> Page:
    return Page(page, per_page)


async def _required_page(
    page: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page number, from 1.")],
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE, description="Items per page.")],
) -> Page:
    return Page(page, per_page)


Paging = Annotated[Page, Depends(_optional_page)]
RequiredPaging = Annotated[Page, Depends(_required_page)]

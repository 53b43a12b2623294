from collections.abc import Sequence

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from hookdesk.categories.schemas import CategoryCreate, CategoryUpdate
from hookdesk.errors import NotFound
from hookdesk.models.categories import TicketCategory
from hookdesk.shared.clock import now
from hookdesk.shared.ids import new_id
from hookdesk.shared.paging import Page
from hookdesk.shared.queries import active_teammate_id, find_owned, paginate


def create(session: Session, *, account_id: str, data: CategoryCreate) -> TicketCategory:
    category = TicketCategory(
        id=new_id(),
        account_id=account_id,
        title=data.title,
        language=data.language,
        auto_reply=data.automated_reply,
        teammate_id=active_teammate_id(session, account_id, data.teammate_id),
        subcategories=data.subcategories,
        created_at=now(),
    )
    session.add(category)
    session.flush()
    return category


def update(
    session: Session, *, account_id: str, category_id: str, data: CategoryUpdate
) -> TicketCategory:
    category = get(session, account_id=account_id, category_id=category_id)
    changes = data.model_dump(include=data.model_fields_set)
    if "teammate_id" in changes:
        category.teammate_id = active_teammate_id(session, account_id, data.teammate_id)
    if "automated_reply" in changes:
        category.auto_reply = data.automated_reply
    for field in ("title", "language", "subcategories"):
        if field in changes:
            setattr(category, field, changes[field])
    session.flush()
    return category


def delete(session: Session, *, account_id: str, category_id: str) -> TicketCategory:
    category = get(session, account_id=account_id, category_id=category_id)
    category.deleted_at = now()
    session.flush()
    return category


def find(session: Session, *, account_id: str, category_id: str) -> TicketCategory | None:
    category = find_owned(session, TicketCategory, account_id=account_id, object_id=category_id)
    return None if category is None or category.deleted_at is not None else category


def get(session: Session, *, account_id: str, category_id: str) -> TicketCategory:
    category = find(session, account_id=account_id, category_id=category_id)
    if category is None:
        raise NotFound.of("ticket category", category_id)
    return category


def list_page(
    session: Session, *, account_id: str, page: Page
) -> tuple[int, Sequence[TicketCategory]]:
    return paginate(session, _live(account_id), page)


def list_all(session: Session, *, account_id: str) -> Sequence[TicketCategory]:
    """Every category not deleted: for the pages' category choices."""
    return session.scalars(_live(account_id)).all()


def topics(session: Session, *, account_id: str) -> list[tuple[str, str]]:
    """The choices of the portal's new-ticket form, by title: `(value, title)`, one per
    subcategory (`<category id>/<subcategory>`), or the category itself when it has none."""
    choices = []
    for category in list_all(session, account_id=account_id):
        if not category.subcategories:
            choices.append((category.id, category.title))
        choices.extend(
            (f"{category.id}/{sub}", f"{category.title} — {sub}") for sub in category.subcategories
        )
    return sorted(choices, key=lambda choice: choice[1].casefold())


def _live(account_id: str) -> Select[TicketCategory]:
    return (
        select(TicketCategory)
        .where(TicketCategory.account_id == account_id, TicketCategory.deleted_at.is_(None))
        .order_by(TicketCategory.created_at.desc(), TicketCategory.id)
    )

"""The inbox: open, mine, unassigned, waiting on us or resolved tickets, each view counted;
filtered by category, agent, tag, priority and opening date; searched; by last activity first
unless another order is chosen. Asked by the page's script (`HX-Request`), it answers the list
alone, which the page swaps in when the live stream tells of a change."""

from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from hookdesk.categories import service as categories
from hookdesk.db.dependencies import Db
from hookdesk.shared.dependencies import CurrentSettings
from hookdesk.shared.ids import parse_uuid
from hookdesk.shared.paging import MAX_PAGE, Page
from hookdesk.teammates import service as teammates
from hookdesk.tickets import inbox, listing, views
from hookdesk.tickets.inbox import View
from hookdesk.tickets.schemas import Priority
from hookdesk.web.auth import Agent, CurrentAgent
from hookdesk.web.pages import Errors, render

router = APIRouter(prefix="/console")
PER_PAGE = 20

VIEW_TITLES = {
    View.OPEN: "Open",
    View.MINE: "Mine",
    View.UNASSIGNED: "Unassigned",
    View.WAITING: "Waiting on us",
    View.CLOSED: "Resolved",
}
# The orders one can choose: (the list's sort_by, its order, the words shown).
SORTS: dict[str, tuple[listing.SortBy, str, str]] = {
    "activity": ("updated_at", "desc", "Last activity"),
    "quiet": ("updated_at", "asc", "Quiet the longest"),
    "newest": ("created_at", "desc", "Newest"),
    "oldest": ("created_at", "asc", "Oldest"),
    "title": ("title", "asc", "Title"),
}
Short = Annotated[str, Query(max_length=200)]


@dataclass(frozen=True)
class InboxQuery:
    """What the inbox shows, as its URL says it; `link` keeps it across tabs and pages."""

    view: View = View.OPEN
    q: str = ""
    category: str = ""
    agent: str = ""
    tag: str = ""
    priority: str = ""
    from_: str = ""
    to: str = ""
    sort: str = "activity"
    page: int = 1

    def link(self, **changes: Any) -> str:
        chosen = asdict(replace(self, **changes))
        default = asdict(InboxQuery())
        params = {k.rstrip("_"): v for k, v in chosen.items() if v != default[k]}
        return "/console" + (f"?{urlencode(params)}" if params else "")


@router.get("")
def inbox_page(
    request: Request,
    agent: CurrentAgent,
    db: Db,
    settings: CurrentSettings,
    view: View = View.OPEN,
    q: Short = "",
    category: Short = "",
    agent_id: Annotated[str, Query(alias="agent", max_length=200)] = "",
    tag: Short = "",
    priority: Short = "",
    from_: Annotated[str, Query(alias="from", max_length=200)] = "",
    to: Short = "",
    sort: Short = "activity",
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
) -> Response:
    query = InboxQuery(
        view=view,
        q=q.strip(),
        category=parse_uuid(category) or "",
        agent=parse_uuid(agent_id) or "",
        tag=tag.strip().lower(),
        priority=priority if priority in set(Priority) else "",
        from_=from_,
        to=to,
        sort=sort if sort in SORTS else "activity",
        page=page,
    )
    errors: Errors = {}
    filters = _filters(query, errors)
    context = _context(agent, db, settings.public_url, query, filters)
    context |= {"request_path": query.link(), "errors": errors}
    live = request.headers.get("HX-Request") == "true"
    template = "console/_inbox_list.html" if live else "console/inbox.html"
    response = render(request, template, context, status=400 if errors else 200)
    response.headers["Vary"] = "HX-Request"
    return response


def _context(
    agent: Agent, db: Db, public_url: str, query: InboxQuery, filters: listing.TicketFilters
) -> dict[str, Any]:
    with db.read() as session:
        counts = inbox.counts(
            session, account_id=agent.account_id, teammate_id=agent.teammate_id, filters=filters
        )
        tickets = inbox.page_of(
            session,
            account_id=agent.account_id,
            teammate_id=agent.teammate_id,
            view=query.view,
            filters=filters,
            page=Page(query.page, PER_PAGE),
        )
        return {
            "title": "Inbox",
            "agent": agent,
            "section": "inbox",
            "query": query,
            "views": VIEW_TITLES,
            "sorts": {key: words for key, (_, _, words) in SORTS.items()},
            "priorities": list(Priority),
            "counts": counts,
            "waiting": {t.id for t in tickets if t.awaiting_agent and t.is_open},
            "tickets": views.ticket_views(
                session, account_id=agent.account_id, tickets=tickets, public_url=public_url
            ),
            "pages": max(1, -(-counts[query.view] // PER_PAGE)),
            "categories": categories.list_all(session, account_id=agent.account_id),
            "teammates": teammates.names(session, account_id=agent.account_id),
            "assignable": teammates.assignable(session, account_id=agent.account_id),
        }


def _filters(query: InboxQuery, errors: Errors) -> listing.TicketFilters:
    sort_by, order, _ = SORTS[query.sort]
    return listing.TicketFilters(
        sort_by=sort_by,
        order="asc" if order == "asc" else "desc",
        text=query.q or None,
        teammate_id=query.agent or None,
        category_id=query.category or None,
        tag=query.tag or None,
        priority=query.priority or None,
        created_from=_day_start("from", query.from_, errors),
        created_to=_day_end(query.to, errors),
    )


def _day_start(field: str, value: str, errors: Errors) -> int | None:
    """Midnight UTC of a `YYYY-MM-DD` day; a bad date is named in `errors` and not filtered on."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        errors[field] = "Use a date like 2026-12-31."
        return None
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def _day_end(value: str, errors: Errors) -> int | None:
    """The last second of the day: `to` includes the whole day."""
    start = _day_start("to", value, errors)
    return None if start is None else start + int(timedelta(days=1).total_seconds()) - 1

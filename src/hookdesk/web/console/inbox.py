"""The inbox: open, mine, unassigned, waiting on us or resolved tickets, each view counted;
filtered by category, agent, tag, priority and opening date; searched; by last activity first
unless another order is chosen. Asked by the page's script (`HX-Request`), it answers the list
alone, which the page swaps in when the live stream tells of a change."""

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from hookdesk.categories import service as categories
from hookdesk.db.dependencies import Db
from hookdesk.ratings import service as ratings
from hookdesk.shared.dependencies import CurrentSettings
from hookdesk.shared.ids import parse_uuid
from hookdesk.shared.paging import MAX_PAGE, Page
from hookdesk.teammates import service as teammates
from hookdesk.tickets import inbox, listing, views
from hookdesk.tickets.inbox import View
from hookdesk.tickets.schemas import Priority
from hookdesk.web.auth import Agent, CurrentAgent
from hookdesk.web.console.stream import TICKET_EVENTS
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

    @classmethod
    def of(cls, params: Mapping[str, str]) -> "InboxQuery":
        """From a URL's parameters, where anything unusable is left at its default: for a post
        that returns to the inbox it came from."""
        view, page = params.get("view", ""), params.get("page", "")
        return cls.checked(
            view=View(view) if view in set(View) else View.OPEN,
            page=int(page) if page.isascii() and page.isdigit() and len(page) < 7 else 1,
            **{name: params.get(name.rstrip("_"), "")[:200] for name in TEXT_FIELDS},
        )

    @classmethod
    def checked(cls, *, view: View, page: int, **texts: str) -> "InboxQuery":
        """Ids that are not ids, unknown priorities and orders are left out."""
        return cls(
            view=view,
            q=texts["q"].strip(),
            category=parse_uuid(texts["category"]) or "",
            agent=parse_uuid(texts["agent"]) or "",
            tag=texts["tag"].strip().lower(),
            priority=texts["priority"] if texts["priority"] in set(Priority) else "",
            from_=texts["from_"],
            to=texts["to"],
            sort=texts["sort"] if texts["sort"] in SORTS else "activity",
            page=max(1, page),
        )


TEXT_FIELDS = ("q", "category", "agent", "tag", "priority", "from_", "to", "sort")


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
    done: str = "",
) -> Response:
    query = InboxQuery.checked(
        view=view,
        page=page,
        q=q,
        category=category,
        agent=agent_id,
        tag=tag,
        priority=priority,
        from_=from_,
        to=to,
        sort=sort,
    )
    notices = bulk_notices(done, request.query_params, names=_names(db, agent)) if done else []
    return show(request, agent, db, settings.public_url, query, notices=notices)


def show(
    request: Request,
    agent: Agent,
    db: Db,
    public_url: str,
    query: InboxQuery,
    *,
    errors: Errors | None = None,
    notices: Sequence[str] = (),
) -> Response:
    """The inbox page, or its list alone for the page's script (`HX-Request`)."""
    errors = dict(errors or {})
    filters = _filters(query, errors)
    context = _context(agent, db, public_url, query, filters)
    context |= {
        "errors": errors,
        "notices": notices,
        "bulk_action": _bulk_action(query),
        "live_events": TICKET_EVENTS,
    }
    live = request.headers.get("HX-Request") == "true"
    template = "console/_inbox_list.html" if live else "console/inbox.html"
    response = render(request, template, context, status=400 if errors else 200)
    response.headers["Vary"] = "HX-Request"
    return response


def _bulk_action(query: InboxQuery) -> str:
    """Where the bulk form posts: its query is this inbox's, which the post returns to."""
    return "/console/bulk" + query.link().removeprefix("/console")


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
                session,
                account_id=agent.account_id,
                tickets=tickets,
                public_url=public_url,
                with_replies=False,
            ),
            "pages": max(1, -(-counts[query.view] // PER_PAGE)),
            "categories": categories.list_all(session, account_id=agent.account_id),
            "teammates": teammates.names(session, account_id=agent.account_id),
            "assignable": teammates.assignable(session, account_id=agent.account_id),
            "ratings": ratings.recent_shares(session, account_id=agent.account_id),
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


# What the inbox says after a bulk change (bulk.py): `n` tickets changed, `skipped` unchanged.
DONE = {
    "resolved": "{n} resolved.",
    "assigned": "{n} assigned to {to}.",
    "unassigned": "{n} unassigned.",
    "tagged": "{n} tagged “{added}”.",
}


def bulk_notices(done: str, params: Mapping[str, str], *, names: Mapping[str, str]) -> list[str]:
    if done not in DONE:
        return []
    changed, skipped = _number(params.get("n", "")), _number(params.get("skipped", ""))
    words = DONE[done].format(
        n=_tickets(changed),
        to=names.get(params.get("to", ""), "a teammate"),
        added=params.get("added", "")[:50],
    )
    return [words + (f" {skipped} unchanged." if skipped else "")]


def _names(db: Db, agent: Agent) -> dict[str, str]:
    with db.read() as session:
        return teammates.names(session, account_id=agent.account_id)


def _number(text: str) -> int:
    return int(text) if text.isascii() and text.isdigit() and len(text) < 5 else 0


def _tickets(count: int) -> str:
    return f"{count} ticket{'' if count == 1 else 's'}"

"""One ticket's part in a change the console makes to several tickets at once, each in its own
transaction (web/console/bulk.py): through the same service functions, so with the same events,
as when made one by one."""

from collections.abc import Callable
from uuid import UUID

from sqlalchemy.orm import Session

from hookdesk.errors import ErrorCode, HookdeskError
from hookdesk.tickets import service
from hookdesk.tickets.service import TicketActing

# The change to one ticket, in the caller's transaction: True when the ticket changed.
Change = Callable[[Session, TicketActing, str], bool]


def resolving() -> Change:
    def resolve(session: Session, acting: TicketActing, ticket_id: str) -> bool:
        try:
            service.resolve(session, acting, ticket_id, by_client=False)
        except HookdeskError as refused:
            if refused.code != ErrorCode.TICKET_ALREADY_RESOLVED:
                raise
            return False
        return True

    return resolve


def assigning(teammate_id: UUID | None, *, actor_id: str) -> Change:
    def assign(session: Session, acting: TicketActing, ticket_id: str) -> bool:
        before = service.get(session, acting, ticket_id).teammate_id
        after = service.assign(session, acting, ticket_id, teammate_id, actor_id=actor_id)
        return after.teammate_id != before

    return assign


def tagging(tag: str) -> Change:
    def add(session: Session, acting: TicketActing, ticket_id: str) -> bool:
        return service.add_tag(session, acting, ticket_id, tag)

    return add

"""A client rates their resolved ticket: good or bad, and an optional comment; once per
resolution (ratings/service.py). Agents see it on the ticket in the console."""

from contextlib import suppress

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hookdesk.db.dependencies import Db
from hookdesk.errors import Conflict
from hookdesk.ratings import service as ratings
from hookdesk.ratings.schemas import MAX_COMMENT, RatingCreate
from hookdesk.shared.catalogs import N_
from hookdesk.shared.dependencies import CurrentSettings
from hookdesk.web.auth import ClientActing, ClientForm, CurrentClient
from hookdesk.web.pages import redirect, text
from hookdesk.web.portal.tickets import shown_ticket, ticket_page_answer

router = APIRouter()
CHOICES = {"good": True, "bad": False}
CHOOSE = N_("Choose good or bad.")
TOO_LONG = N_("Keep the comment under 2,000 characters.")


@router.post("/tickets/{ticket_id}/rating")
def rate(
    request: Request,
    ticket_id: str,
    client: CurrentClient,
    acting: ClientActing,
    form: ClientForm,
    db: Db,
    settings: CurrentSettings,
) -> Response:
    choice, comment = text(form, "rating"), text(form, "comment")
    errors: dict[str, str] = {}
    if choice not in CHOICES:
        errors["rating"] = CHOOSE
    if len(comment) > MAX_COMMENT:
        errors["comment"] = TOO_LONG
    if errors:
        shown = shown_ticket(acting, client, db, ticket_id)
        return ticket_page_answer(request, client, shown, settings, "", errors, status=400)
    _rate(db, client.account_id, client.client_id, ticket_id, choice, comment)
    return redirect(f"/portal/tickets/{ticket_id}")


def _rate(
    db: Db, account_id: str, client_id: str, ticket_id: str, choice: str, comment: str
) -> None:
    data = RatingCreate(good=CHOICES[choice], comment=comment or None)
    # The same form posted twice: the first rating stays.
    with suppress(Conflict), db.write() as session:
        ratings.rate(
            session, account_id=account_id, client_id=client_id, ticket_id=ticket_id, data=data
        )

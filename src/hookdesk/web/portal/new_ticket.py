"""A client opens a ticket: title, topic (a category, or one of its subcategories), description
and attachments. It is the client's reply, so the webhooks see who wrote it."""

from collections.abc import Mapping

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from hookdesk.accounts.acting import Acting
from hookdesk.assets import service as assets
from hookdesk.categories import service as categories
from hookdesk.config import MIB
from hookdesk.db.dependencies import Db
from hookdesk.errors import BadRequest, TooLarge
from hookdesk.shared.dependencies import CurrentSettings
from hookdesk.tickets import service
from hookdesk.tickets.schemas import MAX_ASSETS_PER_REPLY, TicketCreate
from hookdesk.web.auth import ClientActing, ClientForm, CurrentClient, PortalClient
from hookdesk.web.forms import field_errors
from hookdesk.web.pages import Errors, redirect, text
from hookdesk.web.portal import language
from hookdesk.web.portal.forms import MESSAGES
from hookdesk.web.portal.language import N_
from hookdesk.web.uploads import stored_uploads

router = APIRouter()
# The form's fields by the names of TicketCreate's (and the service's messages').
FIELDS = {
    "title": "title",
    "category": "topic",
    "subcategory": "topic",
    "description": "description",
    "assets": "attachments",
}
Values = Mapping[str, str]


@router.get("/tickets/new")
def new_ticket_page(
    request: Request, client: CurrentClient, db: Db, settings: CurrentSettings
) -> Response:
    return _form_page(request, client, db, settings, values={}, errors={})


@router.post("/tickets/new")
def open_ticket(
    request: Request,
    client: CurrentClient,
    acting: ClientActing,
    form: ClientForm,
    db: Db,
    settings: CurrentSettings,
) -> Response:
    values = {name: text(form, name) for name in ("title", "topic", "description")}
    try:
        data = _ticket_create(client, values)
    except ValidationError as refused:
        errors = field_errors(refused, fields=FIELDS, messages=MESSAGES)
        return _form_page(request, client, db, settings, values, errors, status=400)
    try:
        ticket_id = _create(form, data, acting, db, settings)
    except (BadRequest, TooLarge) as refused:
        errors = field_errors(refused, fields=FIELDS, messages=MESSAGES)
        return _form_page(request, client, db, settings, values, errors, status=400)
    return redirect(f"/portal/tickets/{ticket_id}")


def _ticket_create(client: PortalClient, values: Values) -> TicketCreate:
    # A topic is "<category id>" or "<category id>/<subcategory>"; ids hold no "/".
    category, _, subcategory = values["topic"].partition("/")
    return TicketCreate.model_validate(
        {
            "client_id": client.client_id,
            "title": values["title"],
            "description": values["description"],
            "category": category,
            "subcategory": subcategory or None,
            "is_client_reply": True,
        }
    )


def _create(
    form: FormData, data: TicketCreate, acting: Acting, db: Db, settings: CurrentSettings
) -> str:
    with (
        stored_uploads(
            form, "attachments", account_id=acting.account_id, settings=settings
        ) as uploaded,
        db.write() as session,
    ):
        added = assets.add(session, account_id=acting.account_id, files=uploaded)
        data = data.model_copy(update={"assets": added})
        return service.create(session, acting, data).id


def _form_page(
    request: Request,
    client: PortalClient,
    db: Db,
    settings: CurrentSettings,
    values: Values,
    errors: Errors,
    status: int = 200,
) -> Response:
    with db.read() as session:
        topics = categories.topics(session, account_id=client.account_id)
    speaks = language.of_client(db, account_id=client.account_id, client_id=client.client_id)
    context = {
        "client": client,
        "section": "new",
        "title": language.translate(speaks, N_("New ticket")),
        "topics": topics,
        "values": values,
        "errors": language.translated(speaks, errors),
        "max_files": MAX_ASSETS_PER_REPLY,
        "max_megabytes": settings.max_asset_bytes // MIB,
    }
    return language.render_in(speaks, request, "portal/new_ticket.html", context, status=status)

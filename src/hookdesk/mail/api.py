from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from hookdesk.accounts.dependencies import CurrentAccount, CurrentActing
from hookdesk.db import dependencies as database
from hookdesk.db.dependencies import Db
from hookdesk.mail import messages, settings
from hookdesk.mail.schemas import MailMessageRead, MailSettingsRead, MailSettingsUpdate
from hookdesk.shared import responses
from hookdesk.shared.paging import Paging

router = APIRouter(prefix="/v2/agency/mail", tags=["mail"])
NAME = "mail_settings"
ONE = responses.documents_one(NAME, MailSettingsRead)


@router.get("/retrieve", responses=ONE)
async def retrieve_mail_settings(account_id: CurrentAccount, db: Db) -> JSONResponse:
    def read(session: Session) -> JSONResponse:
        found = settings.get(session, account_id=account_id)
        return responses.one(NAME, settings.mail_settings_object(found))

    return await database.read(db, read, quick=True)


@router.post("/update", responses=ONE)
def update_mail_settings(body: MailSettingsUpdate, acting: CurrentActing, db: Db) -> JSONResponse:
    with db.write() as session:
        changed = settings.update(session, acting, body)
        return responses.one(NAME, settings.mail_settings_object(changed))


async def _filters(
    direction: Literal["outbound", "inbound"] | None = None,
    status: Literal["pending", "sent", "failed", "applied", "ignored"] | None = None,
    ticket_id: UUID | None = None,
) -> messages.MessageFilters:
    return messages.MessageFilters(
        direction=direction, status=status, ticket_id=str(ticket_id) if ticket_id else None
    )


@router.get("/messages/list", responses=responses.documents_many("mail_messages", MailMessageRead))
def list_mail_messages(
    account_id: CurrentAccount,
    db: Db,
    page: Paging,
    filters: Annotated[messages.MessageFilters, Depends(_filters)],
) -> JSONResponse:
    with db.read() as session:
        total, found = messages.list_page(
            session, account_id=account_id, filters=filters, page=page
        )
        return responses.many("mail_messages", total, [messages.message_object(m) for m in found])


@router.get(
    "/messages/retrieve/{message_id}",
    responses=responses.documents_one(messages.NAME, MailMessageRead, 404),
)
def retrieve_mail_message(message_id: UUID, account_id: CurrentAccount, db: Db) -> JSONResponse:
    with db.read() as session:
        found = messages.get(session, account_id=account_id, message_id=str(message_id))
        attempts = messages.attempts_of(session, account_id=account_id, message_id=found.id)
        return responses.one(messages.NAME, messages.message_object(found, attempts))

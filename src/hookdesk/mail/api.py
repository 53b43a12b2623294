from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from hookdesk.accounts.dependencies import CurrentAccount
from hookdesk.db.dependencies import Db
from hookdesk.mail import settings
from hookdesk.mail.schemas import MailSettingsRead, MailSettingsUpdate
from hookdesk.shared import responses
from hookdesk.shared.dependencies import CurrentSettings
from hookdesk.webhooks.secretbox import SecretBox

router = APIRouter(prefix="/v2/agency/mail", tags=["mail"])
NAME = "mail_settings"
ONE = responses.documents_one(NAME, MailSettingsRead)


def _scope(account_id: CurrentAccount, request: Request, config: CurrentSettings) -> settings.Scope:
    box: SecretBox = request.app.state.secret_box
    return settings.Scope(account_id=account_id, dev=config.dev, box=box)


Scope = Annotated[settings.Scope, Depends(_scope)]


@router.get("/retrieve", responses=ONE)
def retrieve_mail_settings(account_id: CurrentAccount, db: Db) -> JSONResponse:
    with db.read() as session:
        found = settings.get(session, account_id=account_id)
        return responses.one(NAME, settings.mail_settings_object(found))


@router.post("/update", responses=ONE)
def update_mail_settings(body: MailSettingsUpdate, scope: Scope, db: Db) -> JSONResponse:
    with db.write() as session:
        changed = settings.update(session, scope, body)
        return responses.one(NAME, settings.mail_settings_object(changed))

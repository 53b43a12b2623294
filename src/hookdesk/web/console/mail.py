"""The letter opener: each notification of the account as its recipient sees it."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hookdesk.db.dependencies import Db
from hookdesk.errors import NotFound
from hookdesk.mail import letters
from hookdesk.shared.dependencies import CurrentSettings
from hookdesk.shared.ids import parse_uuid
from hookdesk.shared.secretbox import SecretBox
from hookdesk.web.auth import ADMINS_ONLY, CurrentAgent
from hookdesk.web.pages import render

# Every notification of the account, to anyone: for its admins, like the settings.
router = APIRouter(prefix="/console/mail", dependencies=ADMINS_ONLY)


@router.get("")
def mail_page(request: Request, agent: CurrentAgent, db: Db, settings: CurrentSettings) -> Response:
    context = {
        "title": "Mail",
        "agent": agent,
        "section": "mail",
        "can_send": letters.can_send(db, settings, account_id=agent.account_id),
        "envelopes": letters.envelopes(db, account_id=agent.account_id),
    }
    return render(request, "console/mail.html", context)


@router.get("/{message_id}")
def letter_page(
    request: Request, message_id: str, agent: CurrentAgent, db: Db, settings: CurrentSettings
) -> Response:
    box: SecretBox = request.app.state.secret_box
    found = parse_uuid(message_id)
    if found is None:
        raise NotFound.of("mail message", message_id)
    shown = letters.letter(db, settings, box, account_id=agent.account_id, message_id=found)
    context = {"title": shown.subject, "agent": agent, "section": "mail", "letter": shown}
    return render(request, "console/letter.html", context)

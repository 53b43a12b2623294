"""One event of the log: its request as sent and its attempts; resending it."""

import json

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hookdesk.db.dependencies import Db
from hookdesk.shared.clock import now
from hookdesk.web.auth import AgentActing, AgentForm, CurrentAgent
from hookdesk.web.pages import redirect, render
from hookdesk.webhooks.log import alerts, wire
from hookdesk.webhooks.log import service as log
from hookdesk.webhooks.log.outcomes import in_words

router = APIRouter(prefix="/events")
NOTICES = {
    "resent": "The event is queued to be sent again now; its retry schedule stays as it is.",
    "test": "Test event queued: it goes through the normal pipeline, signed and retried.",
}


@router.get("/{event_id}")
def show_event(
    event_id: str,
    request: Request,
    agent: CurrentAgent,
    acting: AgentActing,
    db: Db,
    done: str = "",
) -> Response:
    with db.read() as session:
        delivery = log.get(session, account_id=agent.account_id, event_id=event_id)
        sent = wire.sent_request(
            session, acting.box, account_id=agent.account_id, delivery=delivery
        )
        context = {
            "title": f"Event {delivery.id}",
            "agent": agent,
            "section": "webhooks",
            "event": delivery,
            "sent": sent,
            "body": sent.body.decode(),
            "not_resendable": log.why_not_resendable(session, delivery),
            "pretty": json.dumps(json.loads(sent.body), indent=2, ensure_ascii=False),
            "attempts": [
                (a, in_words(a.status_code, a.error)) for a in log.attempts(session, delivery)
            ],
            "notices": [NOTICES[done]] if done in NOTICES else [],
            "alerts": alerts.alerts(session, account_id=agent.account_id, now=now()),
        }
        return render(request, "dashboard/event.html", context)


@router.post("/{event_id}/resend")
def resend_event(event_id: str, agent: CurrentAgent, _form: AgentForm, db: Db) -> Response:
    with db.write() as session:
        log.resend(session, account_id=agent.account_id, event_id=event_id)
    return redirect(f"/console/webhooks/events/{event_id}?done=resent")

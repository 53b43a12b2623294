"""The client portal's settings: how long a client stays signed in after entering through a link
(access/portal_settings.py, as `POST /v2/agency/portal/update` sets it)."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hookdesk.access import portal_settings
from hookdesk.db.dependencies import Db
from hookdesk.web.auth import ADMINS_ONLY, AgentForm, CurrentAgent
from hookdesk.web.console.settings.tabs import settings_page
from hookdesk.web.flash import Flash, redirect_with
from hookdesk.web.pages import text

router = APIRouter(prefix="/console/settings", dependencies=ADMINS_ONLY)
# The lengths offered, in seconds; the API takes any from 5 minutes to 30 days.
LENGTHS = {
    1_800: "30 minutes",
    3_600: "1 hour",
    7_200: "2 hours",
    28_800: "8 hours",
    86_400: "1 day",
    604_800: "7 days",
    2_592_000: "30 days",
}


@router.get("/portal")
def portal_page(request: Request, agent: CurrentAgent, db: Db) -> Response:
    with db.read() as session:
        chosen = portal_settings.session_length(session, account_id=agent.account_id)
    # A length set through the API that the list lacks is offered too, as it is.
    options = LENGTHS if chosen in LENGTHS else {chosen: f"{chosen} seconds", **LENGTHS}
    context = {"options": [(str(s), n) for s, n in options.items()], "chosen": str(chosen)}
    return settings_page(request, agent, "portal", "portal.html", context)


@router.post("/portal")
def update_portal(request: Request, agent: CurrentAgent, form: AgentForm, db: Db) -> Response:
    typed = text(form, "session_length")
    chosen = int(typed) if typed.isdigit() and int(typed) in LENGTHS else None
    if chosen is None:  # only a tampered form sends another value
        return redirect_with(request, "/console/settings/portal", Flash("Choose a session length."))
    update = portal_settings.PortalSettingsUpdate(session_length=chosen)
    with db.write() as session:
        portal_settings.update(session, account_id=agent.account_id, data=update)
    note = f"Clients now stay signed in for {LENGTHS[chosen]} after entering the portal."
    return redirect_with(request, "/console/settings/portal", Flash(note))

"""What a developer does to one endpoint besides editing it: disable or enable it, reveal or
rotate its secret, send a test event, recover failed deliveries."""

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from hookdesk.db.dependencies import Db
from hookdesk.errors import BadRequest
from hookdesk.shared.clock import now
from hookdesk.web import flash
from hookdesk.web.auth import AgentActing, AgentForm, CurrentAgent
from hookdesk.web.dashboard.endpoint_view import endpoint_page
from hookdesk.web.dashboard.forms import since_time, validation_errors
from hookdesk.web.flash import Flash
from hookdesk.web.pages import redirect, text
from hookdesk.webhooks.endpoints import service
from hookdesk.webhooks.endpoints.schemas import EndpointTest, EndpointUpdate
from hookdesk.webhooks.statuses import EndpointStatus

router = APIRouter(prefix="/endpoints/{endpoint_id}")
ROTATED = (
    "A new signing secret is in use. For 24 hours every delivery is also signed with the old "
    "one, so your receiver can switch without missing an event."
)


@router.post("/status")
def change_status(
    endpoint_id: str, agent: CurrentAgent, form: AgentForm, acting: AgentActing, db: Db
) -> Response:
    status = text(form, "status")
    with db.write() as session:
        if status == EndpointStatus.ENABLED:
            # The plain value: pydantic 2.7, the lowest allowed, refuses a StrEnum member here.
            service.update_endpoint(
                session, acting, endpoint_id, EndpointUpdate(status=EndpointStatus.ENABLED.value)
            )
        elif status == EndpointStatus.DISABLED:
            endpoint = service.get(session, acting, endpoint_id, lock=True)
            if endpoint.status == EndpointStatus.ENABLED:
                reason = f"disabled in the console by {agent.name}"
                service.disable(session, endpoint, reason=reason)
        else:
            raise BadRequest("Choose to enable or to disable the endpoint.")
    return redirect(f"/console/webhooks/endpoints/{endpoint_id}?done={status}")


@router.post("/secret")
def reveal_secret(
    endpoint_id: str,
    request: Request,
    agent: CurrentAgent,
    _form: AgentForm,
    acting: AgentActing,
    db: Db,
) -> Response:
    with db.read() as session:
        endpoint = service.get(session, acting, endpoint_id)
        secret = service.valid_secrets(endpoint, acting.box, at=now())[0]
    return _show_once(request, endpoint_id, secret, notice="")


@router.post("/rotate-secret")
def rotate_secret(
    endpoint_id: str,
    request: Request,
    agent: CurrentAgent,
    _form: AgentForm,
    acting: AgentActing,
    db: Db,
) -> Response:
    with db.write() as session:
        _, secret = service.rotate_secret(session, acting, endpoint_id)
    return _show_once(request, endpoint_id, secret, notice=ROTATED)


@router.post("/test")
def send_test_event(
    endpoint_id: str,
    request: Request,
    agent: CurrentAgent,
    form: AgentForm,
    acting: AgentActing,
    db: Db,
) -> Response:
    values = {"event_type": text(form, "event_type")}
    try:
        event_type = EndpointTest.model_validate(values).event_type
        with db.write() as session:
            event_id = service.send_test(session, acting, endpoint_id, event_type)
    except ValidationError as error:
        errors = validation_errors(error)
    except BadRequest as error:
        errors = {"event_type": error.message}
    else:
        return redirect(f"/console/webhooks/events/{event_id}?done=test")
    return endpoint_page(request, agent, acting, db, endpoint_id, errors=errors, values=values)


@router.post("/recover")
def recover(
    endpoint_id: str,
    request: Request,
    agent: CurrentAgent,
    form: AgentForm,
    acting: AgentActing,
    db: Db,
) -> Response:
    try:
        since = since_time(form)
    except ValueError as error:
        errors, values = {"since": str(error)}, {"since": text(form, "since")}
        return endpoint_page(request, agent, acting, db, endpoint_id, errors=errors, values=values)
    with db.write() as session:
        queued = service.recover(session, acting, endpoint_id, since=since)
    return redirect(f"/console/webhooks/endpoints/{endpoint_id}?recovered={queued}")


def _show_once(request: Request, endpoint_id: str, secret: str, *, notice: str) -> Response:
    """To the endpoint's page, which shows the secret once: a reload rotates nothing again."""
    shown = Flash(notice, secret, "Signing secret")
    return flash.redirect_with(request, f"/console/webhooks/endpoints/{endpoint_id}", shown)

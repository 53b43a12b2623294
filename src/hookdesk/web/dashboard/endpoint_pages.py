"""The endpoint pages: the list, a new endpoint, one endpoint and its edit form, deleting it."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hookdesk.db.dependencies import Db
from hookdesk.errors import BadRequest
from hookdesk.web import flash
from hookdesk.web.auth import Agent, AgentActing, AgentForm, CurrentAgent
from hookdesk.web.dashboard.endpoint_view import (
    API_VERSIONS,
    EVENT_TYPES,
    endpoint_page,
    endpoints_page,
)
from hookdesk.web.dashboard.forms import Refused, endpoint_values, service_errors, validated
from hookdesk.web.flash import Flash
from hookdesk.web.pages import Errors, redirect, render
from hookdesk.webhooks.catalog import API_VERSION
from hookdesk.webhooks.endpoints import service
from hookdesk.webhooks.endpoints.schemas import EndpointCreate, EndpointUpdate

router = APIRouter()
NOTICES = {
    "saved": "Changes saved.",
    "enabled": "The endpoint is enabled: new events are sent to it again.",
    "disabled": "The endpoint is disabled: nothing is sent to it until it is enabled again.",
    "deleted": "The endpoint was deleted. Its event log stays.",
}
SECRET_ONCE = "Endpoint created. Copy its signing secret now; later it is shown only on request."


def notices(done: str, recovered: int | None = None) -> list[str]:
    shown = [NOTICES[done]] if done in NOTICES else []
    if recovered is not None:
        shown.append(f"Failed deliveries queued again: {recovered}.")
    return shown


def list_endpoints(
    request: Request, agent: CurrentAgent, acting: AgentActing, db: Db, done: str = ""
) -> Response:
    return endpoints_page(request, agent, acting, db, notices(done))


@router.get("/endpoints/new")
def new_endpoint(request: Request, agent: CurrentAgent) -> Response:
    values = {
        "url": "",
        "events": [],
        "description": "",
        "ordered": False,
        "api_version": str(API_VERSION),
        "headers": [],
        "rate_limit": "",
    }
    return _new_form(request, agent, values, errors={})


@router.post("/endpoints/new")
def create_endpoint(
    request: Request, agent: CurrentAgent, form: AgentForm, acting: AgentActing, db: Db
) -> Response:
    values = endpoint_values(form)
    try:
        data = validated(EndpointCreate, values, creating=True, dev=acting.dev)
        with db.write() as session:
            endpoint, secret = service.create(session, acting, data)
            endpoint_id = endpoint.id
    except Refused as refused:
        return _new_form(request, agent, values, refused.errors)
    except BadRequest as error:
        return _new_form(request, agent, values, service_errors(error, values))
    # A reload of the page that follows neither creates a second endpoint nor shows the secret.
    shown = Flash(SECRET_ONCE, secret, "Signing secret")
    return flash.redirect_with(request, f"/console/webhooks/endpoints/{endpoint_id}", shown)


@router.get("/endpoints/{endpoint_id}")
def show_endpoint(
    endpoint_id: str,
    request: Request,
    agent: CurrentAgent,
    acting: AgentActing,
    db: Db,
    done: str = "",
    recovered: int | None = None,
) -> Response:
    shown = notices(done, recovered)
    held = flash.taken(request)
    if held is None:
        return endpoint_page(request, agent, acting, db, endpoint_id, notices=shown)
    shown = [held.notice, *shown] if held.notice else shown
    page = endpoint_page(request, agent, acting, db, endpoint_id, secret=held.secret, notices=shown)
    flash.drop(request, page)
    return page


@router.post("/endpoints/{endpoint_id}")
def update_endpoint(
    endpoint_id: str,
    request: Request,
    agent: CurrentAgent,
    form: AgentForm,
    acting: AgentActing,
    db: Db,
) -> Response:
    values = endpoint_values(form)
    try:
        data = validated(EndpointUpdate, values, creating=False, dev=acting.dev)
        with db.write() as session:
            service.update_endpoint(session, acting, endpoint_id, data)
    except Refused as refused:
        errors = refused.errors
    except BadRequest as error:
        errors = service_errors(error, values)
    else:
        return redirect(f"/console/webhooks/endpoints/{endpoint_id}?done=saved")
    return endpoint_page(request, agent, acting, db, endpoint_id, errors=errors, values=values)


@router.get("/endpoints/{endpoint_id}/delete")
def confirm_delete(
    endpoint_id: str, request: Request, agent: CurrentAgent, acting: AgentActing, db: Db
) -> Response:
    with db.read() as session:
        endpoint = service.get(session, acting, endpoint_id)
        context = {"title": "Delete endpoint", "agent": agent, "section": "webhooks"}
        return render(request, "dashboard/endpoint_delete.html", context | {"endpoint": endpoint})


@router.post("/endpoints/{endpoint_id}/delete")
def delete_endpoint(endpoint_id: str, _form: AgentForm, acting: AgentActing, db: Db) -> Response:
    with db.write() as session:
        service.delete(session, acting, endpoint_id)
    return redirect("/console/webhooks?done=deleted")


def _new_form(
    request: Request, agent: Agent, values: dict[str, object], errors: Errors
) -> Response:
    context = {
        "title": "New endpoint",
        "agent": agent,
        "section": "webhooks",
        "event_types": EVENT_TYPES,
        "api_versions": API_VERSIONS,
        "values": values,
        "errors": errors,
    }
    return render(request, "dashboard/endpoint_new.html", context, status=400 if errors else 200)

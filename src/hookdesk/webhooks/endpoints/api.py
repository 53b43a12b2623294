import json
import time
from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from hookdesk.accounts.acting import Acting
from hookdesk.accounts.dependencies import CurrentActing
from hookdesk.db import dependencies as database
from hookdesk.db.database import Database
from hookdesk.db.dependencies import Db
from hookdesk.errors import BadRequest
from hookdesk.models.webhooks import WebhookEndpoint
from hookdesk.receiver.signing import compact_signature_errors, secret_key
from hookdesk.shared import responses
from hookdesk.shared.paging import Paging
from hookdesk.shared.queries import find_owned
from hookdesk.shared.text import FORBIDDEN
from hookdesk.shared.timeparse import parse_time
from hookdesk.webhooks.endpoints import service
from hookdesk.webhooks.endpoints.schemas import (
    EndpointCreate,
    EndpointRead,
    EndpointRecover,
    EndpointTest,
    EndpointUpdate,
    SignatureInvalid,
    SignatureValid,
)
from hookdesk.webhooks.objects import ENDPOINT, endpoint_object

router = APIRouter(prefix="/v2/webhook-endpoints", tags=["webhook endpoints"])
ONE = responses.documents_one(ENDPOINT, EndpointRead, 404)
SIGNATURE_TOLERANCE = 300


@router.post("/create", responses=ONE)
def create_endpoint(body: EndpointCreate, acting: CurrentActing, db: Db) -> JSONResponse:
    with db.write() as session:
        endpoint, secret = service.create(session, acting, body)
        return responses.one(ENDPOINT, endpoint_object(endpoint, acting.box, secret))


@router.get("/list", responses=responses.documents_many("webhook_endpoints", EndpointRead))
def list_endpoints(acting: CurrentActing, db: Db, page: Paging) -> JSONResponse:
    with db.read() as session:
        total, endpoints = service.list_page(session, acting, page)
        return responses.many(
            "webhook_endpoints", total, [endpoint_object(e, acting.box) for e in endpoints]
        )


@router.get("/retrieve/{endpoint_id}", responses=ONE)
async def retrieve_endpoint(endpoint_id: str, acting: CurrentActing, db: Db) -> JSONResponse:
    def read(session: Session) -> JSONResponse:
        endpoint = service.get(session, acting, endpoint_id)
        return responses.one(ENDPOINT, endpoint_object(endpoint, acting.box))

    return await database.read(db, read, quick=True)


@router.post("/update/{endpoint_id}", responses=ONE)
def update_endpoint(
    endpoint_id: str, body: EndpointUpdate, acting: CurrentActing, db: Db
) -> JSONResponse:
    with db.write() as session:
        endpoint = service.update_endpoint(session, acting, endpoint_id, body)
        return responses.one(ENDPOINT, endpoint_object(endpoint, acting.box))


@router.post("/delete/{endpoint_id}", responses=ONE)
def delete_endpoint(endpoint_id: str, acting: CurrentActing, db: Db) -> JSONResponse:
    with db.write() as session:
        return responses.one(
            ENDPOINT, endpoint_object(service.delete(session, acting, endpoint_id), acting.box)
        )


@router.post("/rotate-secret/{endpoint_id}", responses=ONE)
def rotate_secret(endpoint_id: str, acting: CurrentActing, db: Db) -> JSONResponse:
    with db.write() as session:
        endpoint, secret = service.rotate_secret(session, acting, endpoint_id)
        return responses.one(ENDPOINT, endpoint_object(endpoint, acting.box, secret))


@router.post("/test/{endpoint_id}")
def send_test_event(
    endpoint_id: str, body: EndpointTest, acting: CurrentActing, db: Db
) -> JSONResponse:
    with db.write() as session:
        event_id = service.send_test(session, acting, endpoint_id, body.event_type)
    return JSONResponse({"status": 200, "event_id": event_id})


@router.post("/recover/{endpoint_id}")
def recover(endpoint_id: str, body: EndpointRecover, acting: CurrentActing, db: Db) -> JSONResponse:
    try:
        since = parse_time(str(body.since))
    except ValueError as error:
        raise BadRequest(f"{error}.", field="since") from None
    with db.write() as session:
        queued = service.recover(session, acting, endpoint_id, since=since)
    return JSONResponse({"status": 200, "queued": queued})


@router.post(
    "/verify-signature",
    responses={
        200: {"model": SignatureValid},
        400: {"model": SignatureInvalid, "description": "The signature does not hold: why."},
        401: {"model": responses.ErrorBody},
    },
)
async def verify_signature(
    request: Request,
    acting: CurrentActing,
    db: Db,
    hookdesk_signature: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """Check a received event body against its `Hookdesk-Signature` and the endpoint's secrets."""
    body = await request.body()
    secrets = await run_in_threadpool(_secrets_for, body, acting, db)
    if secrets is None:
        errors = ["the body is not an event of one of this account's endpoints"]
    else:
        keys = [secret_key(s) for s in secrets]
        errors = compact_signature_errors(
            body, hookdesk_signature, keys, now=time.time(), tolerance=SIGNATURE_TOLERANCE
        )
    if errors:
        return JSONResponse({"status": 400, "valid": False, "errors": errors}, status_code=400)
    return JSONResponse({"status": 200, "valid": True})


def _secrets_for(body: bytes, acting: Acting, db: Database) -> list[str] | None:
    """The secrets valid now for the endpoint the body names, if the account has that endpoint."""
    try:
        endpoint_id = json.loads(body).get("endpoint_id")
    except (ValueError, AttributeError, RecursionError):  # nested too deep to be an event
        return None
    if not isinstance(endpoint_id, str) or FORBIDDEN.search(endpoint_id):
        return None
    with db.read() as session:
        endpoint = find_owned(
            session, WebhookEndpoint, account_id=acting.account_id, object_id=endpoint_id
        )
        return service.valid_secrets(endpoint, acting.box, at=time.time()) if endpoint else None

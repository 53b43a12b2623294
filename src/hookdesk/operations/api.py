"""`/metrics` (Prometheus text) and `/readyz`: no API key, and not part of the API's document."""

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from hookdesk.operations import probe
from hookdesk.operations.readiness import Readiness, check
from hookdesk.operations.state import Operations

router = APIRouter(tags=["operations"], include_in_schema=False)

# Beyond the probe's own timeouts (connect, then statements): the answer never waits longer.
READY_DEADLINE = 3 * probe.TIMEOUT


@router.get("/metrics")
def metrics(request: Request) -> Response:
    # A plain function: FastAPI runs it on a worker thread, where the database is read.
    operations: Operations = request.app.state.operations
    return Response(generate_latest(operations.registry), media_type=CONTENT_TYPE_LATEST)


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    operations: Operations = request.app.state.operations

    def checking() -> Readiness:  # on a thread: the first call reads the migration scripts too
        return check(operations.probe, head=operations.head(), dispatcher=operations.dispatcher)

    try:
        readiness = await asyncio.wait_for(asyncio.to_thread(checking), READY_DEADLINE)
    except TimeoutError:
        reason = f"the database did not answer within {READY_DEADLINE} seconds"
        readiness = Readiness.database_failed(reason, operations.dispatcher)
    status = "ready" if readiness.ready else "unready"
    return JSONResponse(
        {"status": status, "checks": readiness.checks}, status_code=200 if readiness.ready else 503
    )

"""`/metrics` (Prometheus text): no API key, and not part of the API's document."""

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from hookdesk.operations.state import Operations

router = APIRouter(tags=["operations"], include_in_schema=False)


@router.get("/metrics")
def metrics(request: Request) -> Response:
    # A plain function: FastAPI runs it on a worker thread, where the database is read.
    operations: Operations = request.app.state.operations
    return Response(generate_latest(operations.registry), media_type=CONTENT_TYPE_LATEST)

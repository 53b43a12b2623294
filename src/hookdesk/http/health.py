from fastapi import APIRouter

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is up (needs no API key)")
def healthz() -> dict[str, str]:
    return {"status": "ok"}

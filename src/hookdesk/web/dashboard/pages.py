from fastapi import APIRouter

router = APIRouter(prefix="/console/webhooks")

from fastapi.responses import JSONResponse
from pydantic import BaseModel

from hookdesk.access.links import Link


class LinkRead(BaseModel):
    status: int
    url: str
    expires_at: int


def link_answer(link: Link) -> JSONResponse:
    return JSONResponse({"status": 200, "url": link.url, "expires_at": link.expires_at})

from typing import Literal

from pydantic import BaseModel


class AssetRead(BaseModel):
    id: str
    object: Literal["asset"]
    filename: str
    extension: str
    filesize: int
    type: str
    public_url: str
    created_at: int

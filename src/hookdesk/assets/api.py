from typing import Annotated, Any

from fastapi import APIRouter, File, UploadFile
from fastapi.responses import FileResponse, JSONResponse

from hookdesk.accounts.dependencies import CurrentAccount
from hookdesk.assets import service
from hookdesk.assets.schemas import AssetRead
from hookdesk.assets.storage import LocalStorage
from hookdesk.assets.types import INLINE
from hookdesk.db.dependencies import Db
from hookdesk.errors import NotFound
from hookdesk.shared import responses
from hookdesk.shared.dependencies import CurrentSettings
from hookdesk.webhooks.payloads import asset_object

router = APIRouter(tags=["assets"])


@router.post("/v2/assets/upload", responses=responses.documents_one("asset", AssetRead, 413))
def upload_asset(
    file: Annotated[UploadFile, File(description="The file; size and type limits apply.")],
    account_id: CurrentAccount,
    db: Db,
    settings: CurrentSettings,
) -> JSONResponse:
    asset = service.new_asset(
        account_id=account_id,
        filename=file.filename or "file",
        size=file.size or 0,
        max_bytes=settings.max_asset_bytes,
    )
    # Bytes first, row second: a crash in between leaves an unused file, never a row without
    # bytes; and the file is written outside the transaction.
    LocalStorage(settings.assets_dir).save(asset.storage_key, file.file)
    with db.write() as session:
        session.add(asset)
        return responses.one(
            "asset", asset_object(service.view(asset, public_url=settings.public_url))
        )


@router.get("/assets/{account_id}/{asset_id}/{filename}", include_in_schema=False)
def download_asset(
    account_id: str, asset_id: str, filename: str, db: Db, settings: CurrentSettings
) -> Any:
    """Public: the random asset id in the link is what grants access, as with any shared link."""
    with db.read() as session:
        asset = service.find_file(session, account_id=account_id, asset_id=asset_id)
    if asset is None or asset.filename != filename:
        raise NotFound.of("asset", asset_id)
    inline = asset.content_type in INLINE
    return FileResponse(
        LocalStorage(settings.assets_dir).path(asset.storage_key),
        media_type=asset.content_type,
        filename=asset.filename,
        content_disposition_type="inline" if inline else "attachment",
        headers={"X-Content-Type-Options": "nosniff"},
    )

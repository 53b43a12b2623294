from typing import Annotated, Any

from fastapi import APIRouter, File, UploadFile
from fastapi.responses import FileResponse, JSONResponse, Response

from hookdesk.accounts.dependencies import CurrentAccount
from hookdesk.assets import icons, service
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
    upload = service.NewFile(file.filename or "file", file.size or 0, file.file)
    try:
        with (
            service.stored([upload], account_id=account_id, settings=settings) as kept,
            db.write() as session,
        ):
            service.add(session, account_id=account_id, files=kept)
            view = service.view(kept.rows[0], public_url=settings.public_url)
            return responses.one("asset", asset_object(view))
    except service.FileRefused as refused:  # raised only before the transaction
        raise refused.error from None


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


@router.get("/icons/{account_id}/{asset_id}.png", include_in_schema=False)
def asset_icon(account_id: str, asset_id: str, db: Db, settings: CurrentSettings) -> Response:
    """Public like the file itself: an uploaded logo as the pages' icon (accounts/brand.py)."""
    with db.read() as session:
        asset = service.find_file(session, account_id=account_id, asset_id=asset_id)
    if asset is None or asset.content_type not in icons.IMAGE_TYPES:
        raise NotFound.of("asset", asset_id)
    try:
        png = icons.square_icon(LocalStorage(settings.assets_dir).path(asset.storage_key))
    except icons.NotAnImage:
        raise NotFound.of("asset", asset_id) from None
    cached = {"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"}
    return Response(png, media_type="image/png", headers=cached)


@router.get("/thumbnails/{account_id}/{asset_id}", include_in_schema=False)
def asset_thumbnail(account_id: str, asset_id: str, db: Db, settings: CurrentSettings) -> Response:
    """Public like the file itself: an image attachment's small preview (the console's
    conversation shows it), cached by browsers as the file never changes."""
    with db.read() as session:
        small = service.thumbnail(
            session, account_id=account_id, asset_id=asset_id, settings=settings
        )
    cached = {"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"}
    return Response(small.content, media_type=small.media_type, headers=cached)

import re
from collections.abc import Sequence
from pathlib import PurePath
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from hookdesk.assets.types import ALLOWED
from hookdesk.errors import BadRequest, ErrorCode, TooLarge
from hookdesk.models.assets import Asset
from hookdesk.shared.clock import now
from hookdesk.shared.ids import new_id
from hookdesk.shared.queries import find_owned
from hookdesk.webhooks.payloads import AssetView

_UNSAFE_CHARACTERS = re.compile(r"[\x00-\x1f\x7f/\\]")


def new_asset(*, account_id: str, filename: str, size: int, max_bytes: int) -> Asset:
    """An asset row for an upload, once its name, type and size are checked (not yet stored)."""
    clean_name = _clean_filename(filename)
    extension = PurePath(clean_name).suffix.lower().removeprefix(".")
    if extension not in ALLOWED:
        allowed = ", ".join(sorted(ALLOWED))
        raise BadRequest(
            f"file: type '.{extension}' is not accepted; allowed: {allowed}.",
            code=ErrorCode.UNSUPPORTED_FILE_TYPE,
        )
    if size == 0:
        raise BadRequest("file: the file is empty.", code=ErrorCode.EMPTY_FILE)
    if size > max_bytes:
        raise TooLarge(
            f"file: {size} bytes is over the limit of {max_bytes} bytes.",
            code=ErrorCode.FILE_TOO_LARGE,
        )
    return Asset(
        id=new_id(),
        account_id=account_id,
        filename=clean_name,
        extension=extension,
        filesize=size,
        content_type=ALLOWED[extension],
        created_at=now(),
    )


def attach(
    session: Session, *, account_id: str, asset_ids: Sequence[str], reply_id: str
) -> list[Asset]:
    assets = []
    for position, asset_id in enumerate(asset_ids):
        asset = find_owned(session, Asset, account_id=account_id, object_id=asset_id)
        if asset is None:
            raise BadRequest(
                f"assets: no asset with id '{asset_id}'.", code=ErrorCode.UNKNOWN_REFERENCE
            )
        if asset.reply_id is not None:
            raise BadRequest(
                f"assets: asset '{asset_id}' is already attached to a reply.",
                code=ErrorCode.ASSET_ALREADY_ATTACHED,
            )
        asset.reply_id = reply_id
        asset.position = position
        assets.append(asset)
    return assets


def find_file(session: Session, *, account_id: str, asset_id: str) -> Asset | None:
    return find_owned(session, Asset, account_id=account_id, object_id=asset_id)


def for_replies(session: Session, *, account_id: str, reply_ids: Sequence[str]) -> list[Asset]:
    statement = (
        select(Asset)
        .where(Asset.account_id == account_id, Asset.reply_id.in_(reply_ids))
        .order_by(Asset.reply_id, Asset.position)
    )
    return list(session.scalars(statement))


def view(asset: Asset, *, public_url: str) -> AssetView:
    link = f"{public_url}/assets/{asset.account_id}/{asset.id}/{quote(asset.filename)}"
    return AssetView(
        id=asset.id,
        filename=asset.filename,
        extension=asset.extension,
        filesize=asset.filesize,
        type=asset.content_type,
        public_url=link,
        created_at=asset.created_at,
    )


def _clean_filename(filename: str) -> str:
    name = _UNSAFE_CHARACTERS.sub("_", PurePath(filename.replace("\\", "/")).name).strip()
    return name[-255:] or "file"

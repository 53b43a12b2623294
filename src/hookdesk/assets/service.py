import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePath
from typing import BinaryIO
from urllib.parse import quote
from uuid import UUID

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from hookdesk.assets import thumbnails
from hookdesk.assets.storage import LocalStorage
from hookdesk.assets.types import ALLOWED
from hookdesk.config import Settings
from hookdesk.errors import BadRequest, ErrorCode, HookdeskError, NotFound, TooLarge
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
            f"type '.{extension}' is not accepted; allowed: {allowed}.",
            field="file",
            code=ErrorCode.UNSUPPORTED_FILE_TYPE,
        )
    if size == 0:
        raise BadRequest("the file is empty.", field="file", code=ErrorCode.EMPTY_FILE)
    if size > max_bytes:
        raise TooLarge(
            f"{size} bytes is over the limit of {max_bytes} bytes.",
            field="file",
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


@dataclass(frozen=True)
class NewFile:
    """A file to store as an asset: its name as sent, its size and its bytes."""

    filename: str
    size: int
    content: BinaryIO


class FileRefused(Exception):
    """One of the files is not accepted: which one, and the error that refused it.

    Its message names the file: "run.sh: type '.sh' is not accepted; ..."."""

    def __init__(self, filename: str, error: HookdeskError) -> None:
        super().__init__(f"{filename}: {error.detail}")
        self.filename = filename
        self.error = error


@dataclass(frozen=True)
class StoredFiles:
    """Files whose bytes are written, with their asset rows not yet added (see `add`)."""

    rows: list[Asset]

    @property
    def ids(self) -> list[UUID]:
        return [UUID(row.id) for row in self.rows]


def store(files: Sequence[NewFile], *, account_id: str, settings: Settings) -> StoredFiles:
    """Check every file (name, type, size), then write their bytes; no row is added yet.

    Bytes first, rows second: a crash in between leaves unused files (the purge removes them),
    never a row without its bytes."""
    checked = [(_checked(file, account_id, settings), file) for file in files]
    storage = LocalStorage(settings.assets_dir)
    written: list[Asset] = []
    try:
        for row, file in checked:
            storage.save(row.storage_key, file.content)
            written.append(row)
    except BaseException:
        _delete(storage, written)
        raise
    return StoredFiles(written)


@contextmanager
def stored(
    files: Sequence[NewFile], *, account_id: str, settings: Settings
) -> Iterator[StoredFiles]:
    """`store`, for a block that adds the rows in its transaction: the files are written before
    it (the write lock is not held meanwhile), and deleted when the block fails (the change is
    refused, the transaction does not commit), so a refused request leaves nothing behind."""
    kept = store(files, account_id=account_id, settings=settings)
    try:
        yield kept
    except BaseException:
        _delete(LocalStorage(settings.assets_dir), kept.rows)
        raise


def add(session: Session, *, account_id: str, files: StoredFiles) -> list[UUID]:
    """The stored files' rows, added in the caller's transaction; their ids."""
    if any(row.account_id != account_id for row in files.rows):
        raise ValueError("files stored for one account are added to another")
    session.add_all(files.rows)
    session.flush()
    return files.ids


def attach(
    session: Session, *, account_id: str, asset_ids: Sequence[str], reply_id: str
) -> list[Asset]:
    assets = []
    for position, asset_id in enumerate(asset_ids):
        asset = find_owned(session, Asset, account_id=account_id, object_id=asset_id)
        if asset is None:
            raise BadRequest(
                f"no asset with id '{asset_id}'.",
                field="assets",
                code=ErrorCode.UNKNOWN_REFERENCE,
            )
        if asset.reply_id is not None:
            raise BadRequest(
                f"asset '{asset_id}' is already attached to a reply.",
                field="assets",
                code=ErrorCode.ASSET_ALREADY_ATTACHED,
            )
        asset.reply_id = reply_id
        asset.position = position
        assets.append(asset)
    return assets


def find_file(session: Session, *, account_id: str, asset_id: str) -> Asset | None:
    return find_owned(session, Asset, account_id=account_id, object_id=asset_id)


def thumbnail(
    session: Session, *, account_id: str, asset_id: str, settings: Settings
) -> thumbnails.Thumbnail:
    """A small preview of an image asset; a 404 for any other file, or one unreadable."""
    asset = find_file(session, account_id=account_id, asset_id=asset_id)
    if asset is None or asset.content_type not in thumbnails.IMAGE_TYPES:
        raise NotFound.of("asset", asset_id)
    try:
        return thumbnails.thumbnail(LocalStorage(settings.assets_dir).path(asset.storage_key))
    except thumbnails.NotAnImage:
        raise NotFound.of("asset", asset_id) from None


# Built once: every notification of a reply reads its files (a ticket's view reads them with
# its replies, `tickets/views.py`).
_FOR_REPLIES = (
    select(Asset)
    .where(
        Asset.account_id == bindparam("account_id"),
        Asset.reply_id.in_(bindparam("reply_ids", expanding=True)),
    )
    .order_by(Asset.reply_id, Asset.position)
)


def for_replies(session: Session, *, account_id: str, reply_ids: Sequence[str]) -> list[Asset]:
    parameters = {"account_id": account_id, "reply_ids": list(reply_ids)}
    return list(session.scalars(_FOR_REPLIES, parameters))


def view(asset: Asset, *, public_url: str) -> AssetView:
    return AssetView(
        id=asset.id,
        filename=asset.filename,
        extension=asset.extension,
        filesize=asset.filesize,
        type=asset.content_type,
        public_url=link(public_url, asset.account_id, asset.id, asset.filename),
        created_at=asset.created_at,
    )


def link(public_url: str, account_id: str, asset_id: str, filename: str) -> str:
    """Where the file is served: public by its random id, its name last for the browser."""
    return f"{public_url}/assets/{account_id}/{asset_id}/{quote(filename)}"


def _checked(file: NewFile, account_id: str, settings: Settings) -> Asset:
    try:
        return new_asset(
            account_id=account_id,
            filename=file.filename,
            size=file.size,
            max_bytes=settings.max_asset_bytes,
        )
    except HookdeskError as refused:
        raise FileRefused(file.filename, refused) from None


def _delete(storage: LocalStorage, rows: Sequence[Asset]) -> None:
    for row in rows:
        storage.delete(row.storage_key)


def _clean_filename(filename: str) -> str:
    name = _UNSAFE_CHARACTERS.sub("_", PurePath(filename.replace("\\", "/")).name).strip()
    return name[-255:] or "file"

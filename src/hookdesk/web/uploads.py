"""Files attached in a page's form: checked and stored as assets, as the upload API does."""

from collections.abc import Iterator
from contextlib import contextmanager

from starlette.datastructures import FormData, UploadFile

from hookdesk.assets import service as assets
from hookdesk.assets.storage import LocalStorage
from hookdesk.config import Settings
from hookdesk.errors import HookdeskError
from hookdesk.models.assets import Asset
from hookdesk.tickets.schemas import MAX_ASSETS_PER_REPLY


class UploadRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@contextmanager
def stored_uploads(
    form: FormData, field: str, *, account_id: str, settings: Settings
) -> Iterator[list[Asset]]:
    """The files sent in `field`, stored, as asset rows for the block to add in its transaction.

    The bytes are written before any row, as the upload API does: a crash in between leaves an
    unused file (the purge removes it), never a row without its bytes. When the block fails (the
    ticket is not the sender's, the transaction does not commit), the files are deleted: a refused
    request leaves nothing behind."""
    files = [f for f in form.getlist(field) if isinstance(f, UploadFile) and f.filename]
    if len(files) > MAX_ASSETS_PER_REPLY:
        raise UploadRefused(f"Attach at most {MAX_ASSETS_PER_REPLY} files.")
    checked = [(_checked(f, account_id, settings), f) for f in files]
    storage = LocalStorage(settings.assets_dir)
    stored: list[Asset] = []
    try:
        for asset, upload in checked:
            storage.save(asset.storage_key, upload.file)
            stored.append(asset)
        yield stored
    except BaseException:
        for asset in stored:
            storage.delete(asset.storage_key)
        raise


def _checked(upload: UploadFile, account_id: str, settings: Settings) -> Asset:
    try:
        return assets.new_asset(
            account_id=account_id,
            filename=upload.filename or "file",
            size=upload.size or 0,
            max_bytes=settings.max_asset_bytes,
        )
    except HookdeskError as refused:
        raise UploadRefused(
            f"{upload.filename}: {refused.message.removeprefix('file: ')}"
        ) from None

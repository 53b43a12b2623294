"""Files attached in a page's form: checked and stored as assets, as the upload API does."""

from collections.abc import Iterator
from contextlib import contextmanager

from starlette.datastructures import FormData, UploadFile

from hookdesk.assets import service as assets
from hookdesk.config import Settings
from hookdesk.tickets.schemas import MAX_ASSETS_PER_REPLY


class UploadRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@contextmanager
def stored_uploads(
    form: FormData, field: str, *, account_id: str, settings: Settings
) -> Iterator[assets.StoredFiles]:
    """The files sent in `field`, stored, for the block to add (`assets.add`) in its transaction;
    deleted again when the block fails (see `assets.stored`)."""
    files = [
        assets.NewFile(upload.filename, upload.size or 0, upload.file)
        for upload in form.getlist(field)
        if isinstance(upload, UploadFile) and upload.filename
    ]
    if len(files) > MAX_ASSETS_PER_REPLY:
        raise UploadRefused(f"Attach at most {MAX_ASSETS_PER_REPLY} files.")
    try:
        with assets.stored(files, account_id=account_id, settings=settings) as kept:
            yield kept
    except assets.FileRefused as refused:  # raised only before the block runs
        raise UploadRefused(str(refused)) from None

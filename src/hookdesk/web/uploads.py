"""Files attached in a page's form: checked and stored as assets, as the upload API does."""

from collections.abc import Iterator
from contextlib import contextmanager

from starlette.datastructures import FormData, UploadFile

from hookdesk.assets import service as assets
from hookdesk.config import Settings
from hookdesk.errors import BadRequest, ErrorCode, HookdeskError
from hookdesk.tickets.schemas import MAX_ASSETS_PER_REPLY


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
        raise BadRequest(
            f"Attach at most {MAX_ASSETS_PER_REPLY} files.",
            field=field,
            code=ErrorCode.TOO_MANY_ASSETS,
        )
    try:
        with assets.stored(files, account_id=account_id, settings=settings) as kept:
            yield kept
    except assets.FileRefused as refused:  # raised only before the block runs
        raise _about(field, refused) from None


def _about(field: str, refused: assets.FileRefused) -> HookdeskError:
    """The error that refused the file, about the form's field, naming the file among those
    sent."""
    error = refused.error
    return type(error)(str(refused), field=field, code=error.code)

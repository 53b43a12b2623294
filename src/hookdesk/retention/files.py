"""Removing asset files once the rows that referred to them are deleted and committed."""

import logging
from collections.abc import Iterable

from hookdesk.assets.storage import LocalStorage

log = logging.getLogger("hookdesk.retention")


def remove_files(storage: LocalStorage, keys: Iterable[str]) -> None:
    """Remove each file; one that cannot be removed is logged and left (its row is gone)."""
    for key in keys:
        try:
            storage.delete(key)
        except OSError as error:
            log.warning("could not remove the asset file %s: %s", key, error.strerror)

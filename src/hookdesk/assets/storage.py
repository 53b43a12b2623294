"""Where asset bytes live. Local disk by default; one small class to swap for object storage."""

import os
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO


class LocalStorage:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str) -> Path:
        return self.root / key

    def save(self, key: str, source: BinaryIO) -> None:
        """Write atomically: a crash leaves either no file or the whole file, never half of it."""
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as temporary:
            shutil.copyfileobj(source, temporary)
            temporary.flush()
            os.fsync(temporary.fileno())
        Path(temporary.name).replace(target)

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

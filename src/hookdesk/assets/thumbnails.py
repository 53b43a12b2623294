"""A small preview of an image attachment, for the console's conversation: the image scaled
down to fit `BOX`, its proportions kept. Made when asked for and kept in memory by the file's
storage key (a stored file never changes)."""

import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from hookdesk.assets.icons import IMAGE_TYPES, NotAnImage

BOX = (320, 240)

__all__ = ["BOX", "IMAGE_TYPES", "NotAnImage", "Thumbnail", "thumbnail"]


@dataclass(frozen=True)
class Thumbnail:
    content: bytes
    media_type: str


@lru_cache(maxsize=128)
def thumbnail(path: Path) -> Thumbnail:
    """JPEG for an opaque image, PNG for one with transparency."""
    try:
        with Image.open(path) as image:
            image.draft("RGB", (BOX[0] * 2, BOX[1] * 2))  # JPEG: decode at a fraction of its size
            transparent = image.mode in ("RGBA", "LA", "P") and _has_alpha(image)
            fitted = image.convert("RGBA" if transparent else "RGB")
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError) as unreadable:
        raise NotAnImage(str(path)) from unreadable
    fitted.thumbnail(BOX, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if transparent:
        fitted.save(out, format="PNG", optimize=True)
        return Thumbnail(out.getvalue(), "image/png")
    fitted.save(out, format="JPEG", quality=82, optimize=True)
    return Thumbnail(out.getvalue(), "image/jpeg")


def _has_alpha(image: Image.Image) -> bool:
    return image.mode != "P" or "transparency" in image.info

"""An uploaded image as a page icon: fitted, whole, into a small transparent square.

A logo is rarely square; a browser squeezes a wide one into its tab. The icon is made when asked
for and kept in memory by the file's storage key (a stored file never changes)."""

import io
from functools import lru_cache
from pathlib import Path

from PIL import Image, UnidentifiedImageError

SIZE = 64
IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


class NotAnImage(Exception):
    """The file is no image Pillow can read, or one too large to open safely."""


@lru_cache(maxsize=64)
def square_icon(path: Path) -> bytes:
    """PNG bytes: the image at `path` scaled down to fit `SIZE` square, centred."""
    try:
        with Image.open(path) as image:
            image.draft("RGB", (SIZE * 2, SIZE * 2))  # JPEG: decode at a fraction of its size
            fitted = image.convert("RGBA")
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError) as unreadable:
        raise NotAnImage(str(path)) from unreadable
    fitted.thumbnail((SIZE, SIZE), Image.Resampling.LANCZOS)
    square = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    square.paste(fitted, ((SIZE - fitted.width) // 2, (SIZE - fitted.height) // 2))
    out = io.BytesIO()
    square.save(out, format="PNG", optimize=True)
    return out.getvalue()

"""Cover images: bounded in pixels and re-encoded before they are stored (security review L-5).

An upload is decoded by Pillow and written again in its own format: nothing of the
original file is kept but its pixels, so its metadata (EXIF with GPS positions,
comments, colour profiles) and anything appended to it are gone. Larger pictures are
scaled down to fit ``COVER_MAX_SIDE``; a picture with more than ``COVER_MAX_PIXELS``
is refused before it is decoded, so a small file of a huge, uniform image (a
decompression bomb) never takes the memory its pixels would.
"""

from __future__ import annotations

import io
from pathlib import PurePath

from django.core.files.base import ContentFile, File
from django.utils.translation import gettext
from PIL import Image, ImageOps

COVER_MAX_SIDE = 4000
# A 45-megapixel camera's photo (8192 x 5464) still fits; it is scaled down on the way.
COVER_MAX_PIXELS = 45_000_000
FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}


class ImageRefused(ValueError):
    """The upload is not a cover image Maticko accepts; the message says why."""


def reencode_cover(upload: File, name: str) -> ContentFile:
    """The picture in ``upload`` as a new JPEG, PNG or WebP file without metadata, at most
    ``COVER_MAX_SIDE`` pixels wide and high. Raises ImageRefused."""
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            if image.format not in FORMATS:
                raise ImageRefused(gettext("Upload a JPEG, PNG or WebP image."))
            width, height = image.size
            if width * height > COVER_MAX_PIXELS:
                raise ImageRefused(
                    gettext(
                        "The image has %(width)s × %(height)s pixels; upload one of at most "
                        "%(megapixels)s megapixels."
                    )
                    % {"width": width, "height": height, "megapixels": COVER_MAX_PIXELS // 1_000_000}
                )
            kind = image.format
            if kind == "JPEG":
                # Let the JPEG decoder scale down while it decodes: far less memory.
                image.draft("RGB", (COVER_MAX_SIDE, COVER_MAX_SIDE))
            # Upright as the camera meant it; the orientation tag itself is dropped with the rest.
            picture = ImageOps.exif_transpose(image)
            picture.thumbnail((COVER_MAX_SIDE, COVER_MAX_SIDE))
            data = _encode(picture, kind)
    except ImageRefused:
        raise
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ImageRefused(gettext("Upload a valid image: this file could not be read as one.")) from exc
    stem = PurePath(name).stem[:80] or "cover"
    return ContentFile(data, name=f"{stem}{FORMATS[kind]}")


def _encode(picture: Image.Image, kind: str) -> bytes:
    # Pillow writes some of what it read back out (a JPEG comment, an ICC profile): keep
    # only a palette's transparent colour.
    picture.info = {key: value for key, value in picture.info.items() if key == "transparency"}
    out = io.BytesIO()
    if kind == "JPEG":
        if picture.mode not in ("RGB", "L"):
            picture = picture.convert("RGB")
        picture.save(out, "JPEG", quality=85, optimize=True)
    elif kind == "PNG":
        if picture.mode not in ("1", "L", "LA", "P", "RGB", "RGBA"):
            picture = picture.convert("RGBA")
        picture.save(out, "PNG", optimize=True)
    else:
        if picture.mode not in ("RGB", "RGBA"):
            picture = picture.convert("RGBA" if "A" in picture.getbands() else "RGB")
        picture.save(out, "WEBP", quality=85)
    return out.getvalue()

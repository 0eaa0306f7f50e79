"""Photos as they are stored and shown: read by Pillow (which also proves they are images),
re-encoded without any metadata (EXIF with its GPS position, XMP, comments), the EXIF
orientation applied first so that the picture stays the right way up; and a thumbnail for the
gallery."""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from kb.attachments.checks import FileRefused

#: A larger picture is refused before being decoded (a small file can claim a huge size).
MAX_PIXELS = 50_000_000
THUMBNAIL_SIZE = (480, 360)
FORMATS = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}


def clean_image(data: bytes, kind: str) -> bytes:
    """``data`` re-encoded in its own format without metadata; :class:`FileRefused` when
    Pillow cannot read it."""
    image = _open(data, kind)
    image = ImageOps.exif_transpose(image)
    image.info.clear()
    return _encode(image, kind)


def thumbnail(data: bytes) -> bytes:
    """A WebP thumbnail of a (cleaned) image, at most :data:`THUMBNAIL_SIZE`."""
    with Image.open(io.BytesIO(data)) as source:
        image = source.convert("RGBA" if _has_alpha(source) else "RGB")
    image.thumbnail(THUMBNAIL_SIZE)
    out = io.BytesIO()
    image.save(out, "WEBP", quality=80)
    return out.getvalue()


def _open(data: bytes, kind: str) -> Image.Image:
    """The decoded image; its size is checked from the header, before decoding."""
    unreadable = FileRefused("Cette image est illisible ou endommagée.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise unreadable from None
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise FileRefused("Cette image est trop grande : réduisez-la avant de la joindre.") \
            from None
    if image.format != FORMATS[kind]:
        raise FileRefused("Le contenu de cette image ne correspond pas à son format.")
    if image.width * image.height > MAX_PIXELS:
        raise FileRefused(f"Cette image est trop grande ({image.width} × {image.height} "
                          "pixels) : réduisez-la avant de la joindre.")
    try:
        image.load()
    except (OSError, SyntaxError, ValueError):
        raise unreadable from None
    return image


def _encode(image: Image.Image, kind: str) -> bytes:
    out = io.BytesIO()
    if kind == "jpeg":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=90, optimize=True)
    elif kind == "png":
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "WEBP", quality=90)
    return out.getvalue()


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info

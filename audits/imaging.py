"""Photo derivatives: upright, at most AUDIT_PHOTO_SIZE px on the long side, re-encoded without any metadata.

Re-encoding without an `exif=` argument drops all EXIF (GPS included); ImageOps.exif_transpose first turns the
picture the way the camera was held (targets.md §4.6). Only JPEG and PNG are ever opened.
"""

import io
from dataclasses import dataclass

from django.conf import settings
from PIL import Image, ImageOps

FORMATS = ["JPEG", "PNG"]


@dataclass(frozen=True)
class Derivatives:
    picture: bytes
    thumbnail: bytes
    width: int
    height: int


def _encode(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
    return out.getvalue()


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on white: a transparent PNG would otherwise turn black in a JPEG."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def make_derivatives(source) -> Derivatives:
    """The shown picture and its thumbnail from an original file object (checked at upload)."""
    size, thumb = settings.AUDIT_PHOTO_SIZE, settings.AUDIT_PHOTO_THUMBNAIL_SIZE
    with Image.open(source, formats=FORMATS) as original:
        width, height = original.size
        if width * height > settings.MAX_IMAGE_PIXELS:  # checked at upload; checked again before decoding
            raise ValueError(f"photo of {width}×{height} px exceeds MAX_IMAGE_PIXELS")
        scale = min(1.0, size / max(width, height))
        # JPEG can decode at 1/2, 1/4, 1/8 of its size directly: much faster for a 12 MP phone photo.
        original.draft("RGB", (max(1, int(width * scale)), max(1, int(height * scale))))
        upright = ImageOps.exif_transpose(original)
        picture = _flatten(upright)
    picture.thumbnail((size, size), Image.Resampling.LANCZOS)
    small = picture.copy()
    small.thumbnail((thumb, thumb), Image.Resampling.LANCZOS)
    return Derivatives(_encode(picture, 82), _encode(small, 75), picture.width, picture.height)

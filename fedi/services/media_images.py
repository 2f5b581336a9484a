"""Image work for uploads, in a worker thread: sniff, check, re-encode without metadata,
thumbnail and blurhash. Pillow decides what a file is; every stored file is a fresh encoding
made here, so EXIF, XMP and comments (GPS positions, camera serials) never reach the disk."""

from __future__ import annotations

import io
from dataclasses import dataclass

import blurhash
from PIL import Image, ImageOps, UnidentifiedImageError

from fedi.services.errors import ServiceError

MAX_PIXELS = 16_777_216  # per frame, like Mastodon's image_matrix_limit
MAX_ANIMATION_PIXELS = 2 * MAX_PIXELS  # summed over the frames of an animation
THUMB_SIZE = 640
BLURHASH_SIZE = 32  # the blurhash is computed on a copy at most this big
BLURHASH_COMPONENTS = (4, 3)
# Pillow format -> (content type, extension). Only these plugins are ever tried.
FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "GIF": ("image/gif", "gif"),
    "WEBP": ("image/webp", "webp"),
}
# What survives re-encoding from the decoder's info: nothing personal (the ICC colour
# profile is passed on explicitly).
KEEP_INFO = ("transparency", "duration", "loop", "background")
NO_METADATA = {"exif": b"", "xmp": b"", "comment": b""}


@dataclass
class Encoded:
    original: bytes
    content_type: str
    ext: str
    width: int
    height: int
    thumb: bytes
    thumb_type: str
    thumb_ext: str
    thumb_width: int
    thumb_height: int
    blurhash: str


def _has_alpha(img: Image.Image) -> bool:
    return img.mode in ("RGBA", "LA", "PA") or (
        img.mode == "P" and "transparency" in img.info)


def _strip(img: Image.Image) -> Image.Image:
    img.info = {k: img.info[k] for k in KEEP_INFO if k in img.info}
    return img


def _save(img: Image.Image, fmt: str, icc: bytes | None, **options) -> bytes:
    """Encode with no EXIF, XMP or comment (given explicitly, so nothing is carried over)."""
    if fmt in ("JPEG", "WEBP"):
        options.setdefault("quality", 90)
    if icc and fmt != "GIF":
        options["icc_profile"] = icc
    buf = io.BytesIO()
    img.save(buf, format=fmt, **NO_METADATA, **options)
    return buf.getvalue()


def _blurhash(img: Image.Image) -> str:
    small = img.convert("RGB")
    small.thumbnail((BLURHASH_SIZE, BLURHASH_SIZE), Image.Resampling.BILINEAR)
    raw, width = small.tobytes(), small.width
    rows = [[raw[(y * width + x) * 3:(y * width + x) * 3 + 3] for x in range(width)]
            for y in range(small.height)]
    return blurhash.encode(rows, *BLURHASH_COMPONENTS)


def process(data: bytes) -> Encoded:
    """Sniff, check and re-encode an upload (runs in a worker thread)."""
    unsupported = "File type is not supported (JPEG, PNG, GIF or WebP images only)"
    try:
        img = Image.open(io.BytesIO(data), formats=list(FORMATS))
    except Image.DecompressionBombError:
        raise ServiceError(f"Image is too large (at most {MAX_PIXELS} pixels)") from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise ServiceError(unsupported) from None
    with img:
        if img.format not in FORMATS:
            raise ServiceError(unsupported)
        if img.width < 1 or img.height < 1 or img.width * img.height > MAX_PIXELS:
            raise ServiceError(f"Image is too large (at most {MAX_PIXELS} pixels)")
        frames = getattr(img, "n_frames", 1)
        if frames * img.width * img.height > MAX_ANIMATION_PIXELS:
            raise ServiceError("Animation is too large")
        try:
            return _encode(img, img.format, frames)
        except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError):
            raise ServiceError("The image could not be processed (damaged or unsupported)") from None


def _encode(img: Image.Image, fmt: str, frames: int) -> Encoded:
    content_type, ext = FORMATS[fmt]
    # An RGB colour profile stays with the pixels; a grey or CMYK one would not fit the RGB
    # copies made here, so those images go without.
    icc = img.info.get("icc_profile") if img.mode in ("RGB", "RGBA", "P", "PA") else None
    if frames > 1:
        # Animated GIF/WebP: re-encoded frame by frame, straight from the decoder.
        original = _save(img, fmt, icc, save_all=True, loop=img.info.get("loop", 0))
        img.seek(0)
        out = img.copy()
    else:
        out = ImageOps.exif_transpose(img)  # a copy, turned upright
        if fmt == "JPEG" and out.mode not in ("RGB", "L"):
            out = out.convert("RGB")
        original = _save(_strip(out), fmt, icc)
    still = out.convert("RGBA" if _has_alpha(out) else "RGB")
    thumb = still.copy()
    thumb.thumbnail((THUMB_SIZE, THUMB_SIZE), Image.Resampling.LANCZOS)
    thumb_fmt = "PNG" if fmt == "GIF" else fmt  # a still in the original's own kind
    thumb_type, thumb_ext = FORMATS[thumb_fmt]
    return Encoded(
        original=original, content_type=content_type, ext=ext, width=out.width, height=out.height,
        thumb=_save(_strip(thumb), thumb_fmt, icc), thumb_type=thumb_type, thumb_ext=thumb_ext,
        thumb_width=thumb.width, thumb_height=thumb.height, blurhash=_blurhash(still),
    )

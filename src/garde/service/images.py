"""Images at the edge: limits checked on the header before any pixel is decoded; the review vault.

The vault keeps the bytes of images that a moderator may have to look at (decisions
of ``review`` or stricter) for a limited time. Images of an apparent minor are never
kept: the console shows only their hashes.
"""

from __future__ import annotations

import base64
import binascii
import io
import warnings
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from PIL import Image as PILImage
from PIL import ImageFilter, UnidentifiedImageError
from sqlalchemy import delete, select

from garde.errors import ImageError, StoreError
from garde.model import Image
from garde.service import tables
from garde.service.config import ServiceSettings
from garde.service.errors import PayloadTooLarge
from garde.store import Database

__all__ = ["ReviewVault", "blurred_preview", "decode_b64_image", "involves_minor", "media_type", "vet_image"]

_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif",
            "BMP": "image/bmp", "TIFF": "image/tiff", "HEIF": "image/heif"}


def _open_header(data: bytes) -> PILImage.Image:
    try:
        import pillow_heif

        pillow_heif.register_heif_opener()
    except ImportError:  # pragma: no cover
        pass
    with warnings.catch_warnings():
        warnings.simplefilter("error", PILImage.DecompressionBombWarning)
        return PILImage.open(io.BytesIO(data), formats=list(_FORMATS))  # reads the header only


def media_type(data: bytes) -> str:
    try:
        im = _open_header(data)
    except Exception:
        return "application/octet-stream"
    return _FORMATS.get(str(im.format), "application/octet-stream")


def vet_image(data: bytes, name: str, settings: ServiceSettings) -> Image:
    """Refuse an image by size, format or declared pixels, reading only its header."""
    if len(data) > settings.max_image_bytes:
        raise PayloadTooLarge(f"image {name!r} is {len(data)} bytes; the limit is {settings.max_image_bytes}")
    if not data:
        raise ImageError(f"image {name!r} is empty")
    try:
        im = _open_header(data)
    except (UnidentifiedImageError, PILImage.DecompressionBombError, PILImage.DecompressionBombWarning) as e:
        if isinstance(e, UnidentifiedImageError):
            raise ImageError(f"image {name!r} is not a JPEG, PNG, WebP, GIF, BMP, TIFF or HEIF image") from None
        raise PayloadTooLarge(f"image {name!r} declares too many pixels") from None
    except Exception as e:
        raise ImageError(f"image {name!r} cannot be read: {type(e).__name__}") from None
    w, h = im.size
    if w <= 0 or h <= 0:
        raise ImageError(f"image {name!r} has an empty canvas {w}x{h}")
    if w > settings.max_side or h > settings.max_side or w * h > settings.max_pixels:
        raise PayloadTooLarge(f"image {name!r} is {w}x{h} pixels; the limits are {settings.max_side} per side "
                              f"and {settings.max_pixels} in all")
    return Image(data=data, name=name)


def decode_b64_image(value: str, name: str, settings: ServiceSettings) -> Image:
    s = value.strip()
    if s.startswith("data:"):
        _, _, s = s.partition(",")
    if len(s) > settings.max_image_bytes * 4 // 3 + 8:
        raise PayloadTooLarge(f"image {name!r} is larger than {settings.max_image_bytes} bytes")
    try:
        data = base64.b64decode(s, validate=True)
    except (binascii.Error, ValueError):
        raise ImageError(f"image {name!r} is not valid base64") from None
    return vet_image(data, name, settings)


def involves_minor(record: Mapping[str, Any]) -> bool:
    """True when a decision record shows any sign of an apparent minor: never show its images."""
    for h in record.get("hits", []) or []:
        if "minor" in str(h.get("category", "")) or "minor" in str(h.get("rule_id", "")):
            return True
    for s in record.get("signals", []) or []:
        if s.get("name") in ("apparent_minor", "minor_reference") and float(s.get("score", 0.0)) >= 0.2:
            return True
    return False


def blurred_preview(data: bytes, side: int = 320) -> bytes:
    """A small, heavily blurred PNG: enough to know an image is there, not to see who or what."""
    im = _open_header(data)
    im.draft("RGB", (side, side))
    im = im.convert("RGB")
    im.thumbnail((side, side))
    small = im.resize((max(1, im.width // 24), max(1, im.height // 24)), PILImage.Resampling.BILINEAR)
    im = small.resize(im.size, PILImage.Resampling.BILINEAR).filter(ImageFilter.GaussianBlur(radius=8))
    out = io.BytesIO()
    im.save(out, format="PNG")
    return out.getvalue()


class ReviewVault:
    """Image bytes kept for review for ``ttl``; expired ones are purged on write."""

    def __init__(self, db: Database, ttl_hours: float) -> None:
        self.db = db
        self.ttl = timedelta(hours=ttl_hours)

    def keep(self, decision_id: str, images: Sequence[Image]) -> None:
        now = datetime.now(UTC)
        with self.db.begin() as conn:
            conn.execute(delete(tables.review_images).where(tables.review_images.c.expires_at < now))
            for im in images:
                exists = conn.execute(select(tables.review_images.c.sha256)
                                      .where(tables.review_images.c.sha256 == im.sha256)).first()
                if exists is None:
                    conn.execute(tables.review_images.insert().values(
                        sha256=im.sha256, decision_id=decision_id, media_type=media_type(im.data), data=im.data,
                        created_at=now, expires_at=now + self.ttl))

    def get(self, sha256: str) -> tuple[bytes, str] | None:
        try:
            with self.db.begin() as conn:
                row = conn.execute(select(tables.review_images).where(tables.review_images.c.sha256 == sha256)).first()
        except StoreError:
            raise
        if row is None:
            return None
        exp = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
        if exp < datetime.now(UTC):
            return None
        return bytes(row.data), str(row.media_type)

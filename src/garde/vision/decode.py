"""Safe image decoding: one decode and one resize per image, shared by all analysers.

The rules, in the order they are applied:

1. the byte size is checked first (``max_bytes``);
2. the container is identified from its header against a whitelist of formats
   (JPEG/MPO, PNG, WebP, GIF, BMP, TIFF, HEIC/HEIF via pillow-heif); anything
   else is refused before any pixel is decoded;
3. the header's width and height are checked against ``max_side`` and
   ``max_pixels`` *before* decoding, so a decompression bomb (a tiny file that
   declares a huge canvas) is rejected without allocating it;
4. the first frame is decoded (GIF/WebP/TIFF animations or pages: frame 0); a
   truncated or corrupt file raises :class:`~garde.errors.ImageError` naming
   the file;
5. the EXIF orientation is applied, alpha is flattened onto white, and any
   mode (palette, 16-bit, CMYK, grey) becomes 8-bit RGB;
6. the image is reduced once so that its longest side is at most ``work_side``
   (1024 by default; JPEGs use the decoder's DCT scaling, which is much faster
   than decoding at full size). Small images are never enlarged.

:func:`decoded` caches the result in the :class:`~garde.analyzers.AnalysisContext`
under ``"decoded:<sha256>"`` so that every analyser shares one decode.
"""

from __future__ import annotations

import io
import threading
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image as PILImage
from PIL import ImageOps, UnidentifiedImageError

from garde.analyzers import AnalysisContext
from garde.errors import ImageError
from garde.model import Image

__all__ = ["DecodeLimits", "DecodedImage", "decode", "decoded", "shrink"]

#: Pillow format names we accept (HEIF is registered by pillow-heif).
ALLOWED_FORMATS: tuple[str, ...] = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF", "HEIF")

_heif_lock = threading.Lock()
_heif_registered = False


def _register_heif() -> None:
    global _heif_registered
    if _heif_registered:
        return
    with _heif_lock:
        if not _heif_registered:
            try:
                import pillow_heif

                pillow_heif.register_heif_opener()
            except ImportError:  # pragma: no cover - pillow-heif is a dependency
                pass
            PILImage.init()
            _heif_registered = True


def _formats() -> list[str]:
    return [f for f in ALLOWED_FORMATS if f in PILImage.OPEN]


@dataclass(frozen=True, slots=True, kw_only=True)
class DecodeLimits:
    """Limits applied before any pixel is decoded."""

    max_bytes: int = 50 * 1024 * 1024
    max_pixels: int = 64_000_000
    max_side: int = 16_384
    work_side: int = 1024


DEFAULT_LIMITS = DecodeLimits()


@dataclass(frozen=True, slots=True, kw_only=True)
class DecodedImage:
    """An 8-bit RGB array at working size plus what is needed to map boxes back.

    ``rgb`` has shape ``(height, width, 3)``; ``original_size`` is the
    ``(width, height)`` of the file after EXIF orientation; ``scale`` is
    working size / original size (<= 1).
    """

    rgb: NDArray[np.uint8] = field(repr=False)
    name: str
    sha256: str
    format: str
    original_size: tuple[int, int]
    scale: float
    _small: dict[int, NDArray[np.uint8]] = field(default_factory=dict, repr=False, compare=False)

    def small(self, side: int) -> NDArray[np.uint8]:
        """The image reduced to at most ``side`` pixels on its longest side (cached)."""
        got = self._small.get(side)
        if got is None:
            got = shrink(self.rgb, side)
            self._small[side] = got
        return got

    @property
    def width(self) -> int:
        return int(self.rgb.shape[1])

    @property
    def height(self) -> int:
        return int(self.rgb.shape[0])

    def to_original(self, box: tuple[float, float, float, float]) -> list[int]:
        """Map an ``[x, y, w, h]`` box at working size to original pixels."""
        s = self.scale or 1.0
        return [round(v / s) for v in box]


def shrink(rgb: NDArray[np.uint8], side: int) -> NDArray[np.uint8]:
    """Area-average ``rgb`` down to at most ``side`` px (an integer-factor pass first: 5x faster)."""
    import cv2

    h, w = rgb.shape[:2]
    if max(h, w) <= side:
        return rgb
    img = np.ascontiguousarray(rgb)
    k = max(h, w) // side
    if k >= 2:
        img = np.asarray(
            cv2.resize(img, (max(1, w // k), max(1, h // k)), interpolation=cv2.INTER_AREA), dtype=np.uint8
        )
        h, w = img.shape[:2]
    s = side / max(h, w)
    if s < 1.0:
        img = np.asarray(
            cv2.resize(img, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA),
            dtype=np.uint8,
        )
    return img


def _label(name: str) -> str:
    return name or "<unnamed image>"


def decode(image: Image, limits: DecodeLimits = DEFAULT_LIMITS) -> DecodedImage:
    """Decode ``image`` safely; raise :class:`ImageError` naming the file."""
    label = _label(image.name)
    if image.size == 0:
        raise ImageError(f"image {label!r} is empty (0 bytes)")
    if image.size > limits.max_bytes:
        raise ImageError(f"image {label!r} is {image.size} bytes, over the limit of {limits.max_bytes} bytes")
    _register_heif()
    try:
        with warnings.catch_warnings():
            # Pillow warns (then errors) on huge images; we check sizes ourselves below.
            warnings.simplefilter("ignore", PILImage.DecompressionBombWarning)
            pil = PILImage.open(io.BytesIO(image.data), formats=_formats())
            fmt = str(pil.format or "?")
            w, h = pil.size
            if w <= 0 or h <= 0:
                raise ImageError(f"image {label!r} declares an empty canvas {w}x{h}")
            if max(w, h) > limits.max_side:
                raise ImageError(
                    f"image {label!r} is {w}x{h} pixels, a side over the limit of {limits.max_side}"
                    " (rejected before decoding)"
                )
            if w * h > limits.max_pixels:
                raise ImageError(
                    f"image {label!r} is {w}x{h} = {w * h} pixels, over the limit of "
                    f"{limits.max_pixels} (possible decompression bomb; rejected before decoding)"
                )
            if getattr(pil, "n_frames", 1) > 1:
                pil.seek(0)
            if fmt in ("JPEG", "MPO") and max(w, h) > limits.work_side:
                # DCT-domain downscale: decodes at 1/2, 1/4 or 1/8 size, never below work_side.
                pil.draft("RGB", (limits.work_side, limits.work_side))
            pil.load()
            rgb_img = _to_rgb(ImageOps.exif_transpose(pil))
    except ImageError:
        raise
    except PILImage.DecompressionBombError as e:
        raise ImageError(f"image {label!r} rejected as a decompression bomb: {e}") from None
    except UnidentifiedImageError:
        raise ImageError(
            f"image {label!r} is not a supported image (accepted: {', '.join(ALLOWED_FORMATS)})"
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError, MemoryError, KeyError, IndexError) as e:
        raise ImageError(f"image {label!r} is truncated or corrupt: {e}") from None
    ow, oh = _oriented_size(pil, w, h)
    if max(rgb_img.size) > limits.work_side:
        rgb_img.thumbnail(
            (limits.work_side, limits.work_side), PILImage.Resampling.BILINEAR, reducing_gap=2.0
        )
    arr = np.ascontiguousarray(np.asarray(rgb_img, dtype=np.uint8))
    arr.setflags(write=False)
    scale = arr.shape[1] / ow if ow else 1.0
    return DecodedImage(
        rgb=arr,
        name=image.name,
        sha256=image.sha256,
        format=fmt,
        original_size=(ow, oh),
        scale=min(1.0, scale),
    )


def _oriented_size(pil: PILImage.Image, w: int, h: int) -> tuple[int, int]:
    try:
        orientation = int(pil.getexif().get(0x0112, 1))
    except Exception:  # a broken EXIF block must not fail the decode
        orientation = 1
    return (h, w) if orientation in (5, 6, 7, 8) else (w, h)


def _to_rgb(pil: PILImage.Image) -> PILImage.Image:
    mode = pil.mode
    if mode == "RGB":
        return pil
    if mode == "P" and "transparency" in pil.info:
        pil = pil.convert("RGBA")
        mode = "RGBA"
    if mode in ("RGBA", "LA", "RGBa", "La", "PA"):
        rgba = pil.convert("RGBA")
        white = PILImage.new("RGBA", rgba.size, (255, 255, 255, 255))
        return PILImage.alpha_composite(white, rgba).convert("RGB")
    if mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        arr = np.asarray(pil, dtype=np.float64)
        hi = float(arr.max()) if arr.size else 1.0
        top = 65535.0 if hi > 255 else 255.0
        grey = np.clip(arr / top * 255.0, 0, 255).astype(np.uint8)
        return PILImage.fromarray(grey).convert("RGB")
    return pil.convert("RGB")


def decoded(ctx: AnalysisContext, image: Image, limits: DecodeLimits = DEFAULT_LIMITS) -> DecodedImage:
    """The shared decode of ``image`` for this check (decoded once per sha256)."""
    key = f"decoded:{image.sha256}:{limits.work_side}"
    result: Any = ctx.cached(key, lambda: _decode_or_error(image, limits))
    if isinstance(result, ImageError):
        raise ImageError(result.message)
    assert isinstance(result, DecodedImage)
    return result


def _decode_or_error(image: Image, limits: DecodeLimits) -> DecodedImage | ImageError:
    # Cache failures too, so that several analysers do not re-parse a bad file.
    try:
        return decode(image, limits)
    except ImageError as e:
        return e

"""Image hashes: PDQ (perceptual, 256 bits, with a quality score) and MD5/SHA-256 (exact).

PDQ comes from Meta's reference implementation through ``pdqhash``; the hex form
is the one ThreatExchange and StopNCII lists use (the 256 bits in order, most
significant first, 64 lower-case hex digits), so hashes computed here compare
with hashes computed by ``threatexchange`` and HMA.

PDQ is neither rotation- nor crop-invariant (``research/models.md`` §4.5, §5.9):

* a query hashes the 8 dihedral variants of the image (rotations by 90 degrees
  and mirrors; one pass of :func:`pdqhash.compute_dihedral`, about the cost of
  one hash), so a mirrored or rotated copy of a banked image matches;
* a banked image also banks the hashes of a few centred border crops
  (:data:`CROP_FRACTIONS`), so a cropped copy matches the crop of the same size.

Images are decoded at most :data:`WORK_SIDE` pixels on the longest side (JPEG DCT
scaling), then resampled to 64 x 64 with a Lanczos filter before PDQ (see
:func:`_reduce`): this makes mirrors and rotations exact under the dihedral hashes and
resized copies hash like the original. The price: a PDQ computed here differs from one
computed on the full-size file by other tools (threatexchange, StopNCII on a phone) by
a median 8 bits (max 14 on 1920-pixel images), which imported hashes spend out of the
31-bit budget; still inside the 10-bit agreement PDQ's authors expect between
implementations for most images.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from PIL import Image as PILImage
from PIL import ImageOps, UnidentifiedImageError

from garde.errors import ImageError, InputError

__all__ = [
    "CROP_FRACTIONS",
    "DIHEDRAL_NAMES",
    "PDQ_BITS",
    "WORK_SIDE",
    "ImageHashes",
    "crop_hashes",
    "decode_rgb",
    "hamming",
    "hash_bytes",
    "hash_rgb",
    "hex_to_words",
    "normalize_hash",
    "pdq_of_rgb",
    "words_to_hex",
]

PDQ_BITS = 256
WORK_SIDE = 512
PDQ_SIDE = 64
#: Fraction of each side removed by the banked border crops.
CROP_FRACTIONS: tuple[float, ...] = (0.025, 0.05, 0.075, 0.10)
#: The order of :func:`pdqhash.compute_dihedral`.
DIHEDRAL_NAMES: tuple[str, ...] = ("orig", "rot90", "rot180", "rot270", "flipv", "fliph", "rot90_flipv",
                                   "rot90_fliph")
_MAX_BYTES = 50 * 1024 * 1024
_MAX_PIXELS = 64_000_000

_HEX_LEN = {"pdq": 64, "md5": 32, "sha256": 64}


def normalize_hash(value: str, hash_type: str) -> str:
    """Lower-case, stripped hex of the right length for ``hash_type``; InputError quoting the value otherwise."""
    t = hash_type.strip().lower()
    if t not in _HEX_LEN:
        raise InputError(f"unknown hash type {hash_type!r}; expected one of pdq, md5, sha256")
    v = value.strip().lower()
    if len(v) != _HEX_LEN[t] or any(c not in "0123456789abcdef" for c in v):
        raise InputError(f"bad {t} hash {value!r}: expected {_HEX_LEN[t]} hex digits")
    return v


def hex_to_words(hexes: Sequence[str]) -> NDArray[np.uint64]:
    """PDQ hex strings → an ``(n, 4)`` uint64 array (big-endian words, bit order preserved)."""
    if not hexes:
        return np.zeros((0, 4), dtype=np.uint64)
    raw = b"".join(bytes.fromhex(h) for h in hexes)
    return np.frombuffer(raw, dtype=">u8").astype(np.uint64).reshape(-1, 4)


def words_to_hex(words: NDArray[np.uint64]) -> list[str]:
    """Inverse of :func:`hex_to_words`."""
    raw = np.ascontiguousarray(words, dtype=">u8").tobytes()
    return [raw[i:i + 32].hex() for i in range(0, len(raw), 32)]


def hamming(a: NDArray[np.uint64], b: NDArray[np.uint64]) -> NDArray[np.int64]:
    """Hamming distances between broadcastable ``(..., 4)`` word arrays."""
    out: NDArray[np.int64] = np.bitwise_count(np.bitwise_xor(a, b)).sum(axis=-1, dtype=np.int64)
    return out


def _bits_to_hex(bits: NDArray[np.int64]) -> str:
    return np.packbits(bits.astype(np.uint8)).tobytes().hex()


def decode_rgb(data: bytes, name: str = "", work_side: int = WORK_SIDE) -> NDArray[np.uint8]:
    """Decode image bytes safely to 8-bit RGB at most ``work_side`` on the longest side."""
    label = name or "<unnamed image>"
    if not data:
        raise ImageError(f"image {label!r} is empty (0 bytes)")
    if len(data) > _MAX_BYTES:
        raise ImageError(f"image {label!r} is {len(data)} bytes, over the limit of {_MAX_BYTES} bytes")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PILImage.DecompressionBombWarning)
            try:
                import pillow_heif

                pillow_heif.register_heif_opener()
            except ImportError:  # pragma: no cover - pillow-heif is a dependency
                pass
            pil: PILImage.Image = PILImage.open(io.BytesIO(data))
            w, h = pil.size
            if w <= 0 or h <= 0 or w * h > _MAX_PIXELS:
                raise ImageError(f"image {label!r} is {w}x{h} pixels: empty or over {_MAX_PIXELS} pixels")
            if getattr(pil, "n_frames", 1) > 1:
                pil.seek(0)
            if pil.format in ("JPEG", "MPO"):
                pil.draft("RGB", (work_side, work_side))
            pil.load()
            pil = ImageOps.exif_transpose(pil)
            if pil.mode in ("RGBA", "LA", "PA") or (pil.mode == "P" and "transparency" in pil.info):
                rgba = pil.convert("RGBA")
                white = PILImage.new("RGBA", rgba.size, (255, 255, 255, 255))
                pil = PILImage.alpha_composite(white, rgba)
            pil = pil.convert("RGB")
    except ImageError:
        raise
    except UnidentifiedImageError:
        raise ImageError(f"image {label!r} is not a supported image") from None
    except (OSError, SyntaxError, ValueError, EOFError, MemoryError, KeyError, IndexError) as e:
        raise ImageError(f"image {label!r} is truncated or corrupt: {e}") from None
    if max(pil.size) > work_side:
        pil.thumbnail((work_side, work_side), PILImage.Resampling.BILINEAR, reducing_gap=2.0)
    return np.ascontiguousarray(np.asarray(pil, dtype=np.uint8))


def _reduce(rgb: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """The PDQ input: the image resampled to 64 x 64 with an antialiasing (Lanczos) filter.

    PDQ itself box-filters any input down to 64 x 64 with a window that depends on the
    input size and is not symmetric, so hashing the same picture at two sizes, or
    mirrored, moves the hash (median 15 bits for a half-size copy, 14 for a mirror,
    on the shared photos). Doing the resampling ourselves makes the dihedral hashes
    exact (mirror: 0 bits) and a half-size copy hash like the original (0-2 bits).
    """
    h, w = rgb.shape[0], rgb.shape[1]
    if (h, w) == (PDQ_SIDE, PDQ_SIDE):
        return np.ascontiguousarray(rgb)
    pil = PILImage.fromarray(np.ascontiguousarray(rgb)).resize((PDQ_SIDE, PDQ_SIDE), PILImage.Resampling.LANCZOS)
    return np.ascontiguousarray(np.asarray(pil, dtype=np.uint8))


def pdq_of_rgb(rgb: NDArray[np.uint8]) -> tuple[str, int]:
    """PDQ hex and quality (0-100) of an RGB array."""
    import pdqhash

    bits, quality = pdqhash.compute(_reduce(rgb))
    return _bits_to_hex(bits), int(quality)


def _dihedral(rgb: NDArray[np.uint8]) -> tuple[tuple[str, ...], int]:
    import pdqhash

    vecs, quality = pdqhash.compute_dihedral(_reduce(rgb))
    return tuple(_bits_to_hex(v) for v in vecs), int(quality)


def _center_crop(rgb: NDArray[np.uint8], fraction: float) -> NDArray[np.uint8]:
    h, w = rgb.shape[0], rgb.shape[1]
    dy, dx = int(h * fraction), int(w * fraction)
    return np.ascontiguousarray(rgb[dy:h - dy, dx:w - dx])


def crop_hashes(rgb: NDArray[np.uint8], fractions: Sequence[float] = CROP_FRACTIONS) -> dict[str, str]:
    """PDQ hashes of centred border crops, keyed ``crop2.5``, ``crop5``, ... (per cent removed per side)."""
    out: dict[str, str] = {}
    for f in fractions:
        if not 0.0 < f < 0.5:
            raise InputError(f"crop fraction {f!r} must be in (0, 0.5)")
        out[f"crop{f * 100:g}"] = pdq_of_rgb(_center_crop(rgb, f))[0]
    return out


@dataclass(frozen=True, slots=True, kw_only=True)
class ImageHashes:
    """All hashes of one image. ``dihedral`` holds the 8 PDQs of the rotations/mirrors (first = ``pdq``);
    ``crops`` the PDQs of the banked border crops (empty unless asked for)."""

    sha256: str
    md5: str
    pdq: str
    quality: int
    dihedral: tuple[str, ...] = ()
    crops: dict[str, str] = field(default_factory=dict)

    def query_pdqs(self) -> tuple[str, ...]:
        """The PDQs a lookup uses: the dihedral variants when computed, else just the hash."""
        return self.dihedral or (self.pdq,)

    def bank_pdqs(self) -> dict[str, str]:
        """The PDQs a bank entry stores: the original and its crops."""
        return {"orig": self.pdq, **self.crops}

    def to_dict(self) -> dict[str, object]:
        return {"sha256": self.sha256, "md5": self.md5, "pdq": self.pdq, "pdq_quality": self.quality}


def hash_rgb(rgb: NDArray[np.uint8], *, sha256: str, md5: str, dihedral: bool = True,
             crops: bool = False) -> ImageHashes:
    """Hashes of a decoded image whose file digests are already known."""
    if dihedral:
        variants, quality = _dihedral(rgb)
        pdq = variants[0]
    else:
        pdq, quality = pdq_of_rgb(rgb)
        variants = ()
    return ImageHashes(sha256=sha256, md5=md5, pdq=pdq, quality=quality, dihedral=variants,
                       crops=crop_hashes(rgb) if crops else {})


def hash_bytes(data: bytes, name: str = "", *, dihedral: bool = True, crops: bool = False) -> ImageHashes:
    """Decode ``data`` and compute every hash. Raises ImageError naming the file if it cannot be read."""
    rgb = decode_rgb(data, name)
    return hash_rgb(rgb, sha256=hashlib.sha256(data).hexdigest(), md5=hashlib.md5(data).hexdigest(),
                    dihedral=dihedral, crops=crops)

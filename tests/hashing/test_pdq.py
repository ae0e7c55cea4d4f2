from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage
from tests.hashing.conftest import synthetic, to_bytes

from garde.errors import ImageError, InputError
from garde.hashing.pdq import (
    DIHEDRAL_NAMES,
    hamming,
    hash_bytes,
    hex_to_words,
    normalize_hash,
    words_to_hex,
)


def test_hex_words_roundtrip_and_hamming() -> None:
    rng = np.random.default_rng(1)
    hexes = [bytes(rng.integers(0, 256, 32, dtype=np.uint8)).hex() for _ in range(5)]
    w = hex_to_words(hexes)
    assert w.shape == (5, 4) and w.dtype == np.uint64
    assert words_to_hex(w) == hexes
    a = "0" * 64
    b = "f" + "0" * 62 + "1"
    assert int(hamming(hex_to_words([a]), hex_to_words([b]))[0]) == 5
    assert hex_to_words([]).shape == (0, 4)


def test_normalize_hash_quotes_the_bad_value() -> None:
    assert normalize_hash(" AB" + "0" * 62 + " ", "pdq") == "ab" + "0" * 62
    with pytest.raises(InputError, match="'xyz'"):
        normalize_hash("xyz", "pdq")
    with pytest.raises(InputError, match="'phash'"):
        normalize_hash("0" * 64, "phash")


def test_hash_bytes_shape_and_exact_digests() -> None:
    data = to_bytes(synthetic(3))
    h = hash_bytes(data, "s.png")
    assert len(h.pdq) == 64 and int(h.pdq, 16) >= 0
    assert 50 <= h.quality <= 100
    assert len(h.dihedral) == len(DIHEDRAL_NAMES) and h.dihedral[0] == h.pdq
    import hashlib

    assert h.sha256 == hashlib.sha256(data).hexdigest() and h.md5 == hashlib.md5(data).hexdigest()


def test_flat_image_has_low_quality() -> None:
    h = hash_bytes(to_bytes(PILImage.new("RGB", (200, 200), (120, 120, 120))), "flat.png")
    assert h.quality < 50


def test_dihedral_makes_mirror_and_rotation_exact() -> None:
    im = synthetic(5)
    h = hash_bytes(to_bytes(im), dihedral=True)
    for t in (PILImage.Transpose.FLIP_LEFT_RIGHT, PILImage.Transpose.ROTATE_90, PILImage.Transpose.ROTATE_270):
        other = hash_bytes(to_bytes(im.transpose(t)), dihedral=False)
        d = hamming(hex_to_words(list(h.dihedral)), hex_to_words([other.pdq])).min()
        assert d <= 10, (t, d)  # plain PDQ gives ~128 here


def test_bad_images_raise_image_error_naming_the_file() -> None:
    with pytest.raises(ImageError, match="'x.png'"):
        hash_bytes(b"not an image", "x.png")
    with pytest.raises(ImageError, match="empty"):
        hash_bytes(b"", "e.png")


def test_crop_variants_are_banked(photos: list[Path]) -> None:
    h = hash_bytes(photos[0].read_bytes(), crops=True)
    assert set(h.crops) == {"crop2.5", "crop5", "crop7.5", "crop10"}
    assert all(len(v) == 64 for v in h.crops.values())

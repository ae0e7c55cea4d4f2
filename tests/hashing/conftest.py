"""Fixtures for the hashing tests: a database on SQLite and on the real PostgreSQL, synthetic images."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage

from garde.store import Database


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest) -> Iterator[Database]:
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    d = Database(url)
    yield d
    d.dispose()


def synthetic(seed: int, size: tuple[int, int] = (320, 240)) -> PILImage.Image:
    """A textured, non-photographic test image (smooth random blobs): distinct per seed, good PDQ quality."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, size=(6, 8, 3), dtype=np.uint8)
    im = PILImage.fromarray(small).resize(size, PILImage.Resampling.BICUBIC)
    noise = rng.integers(0, 24, size=(size[1], size[0], 3), dtype=np.uint8)
    return PILImage.fromarray(np.clip(np.asarray(im, dtype=np.int16) + noise, 0, 255).astype(np.uint8))


def to_bytes(im: PILImage.Image, fmt: str = "PNG", **kw: object) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format=fmt, **kw)
    return buf.getvalue()


@pytest.fixture
def photos(shared_data: Path) -> list[Path]:
    got = sorted((shared_data / "people-scenes").glob("*.jpg"))
    if len(got) < 6:
        pytest.skip("too few shared photos")
    return got

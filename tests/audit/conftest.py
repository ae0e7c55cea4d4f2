"""Synthetic corpora for the audit tests (coloured squares; the fake inspector reads the colour)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

FAKE = "garde.audit.fake:FakeInspector"


def make_corpus(root: Path, colours: dict[str, list[tuple[int, int, int]]], corrupt: int = 0) -> Path:
    for folder, cols in colours.items():
        (root / folder).mkdir(parents=True, exist_ok=True)
        for i, c in enumerate(cols):
            Image.new("RGB", (24, 24), c).save(root / folder / f"img{i:04d}.png")
    for i in range(corrupt):
        (root / f"corrupt{i}.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    return root


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    # folder a: 10 images, 6 people (4 revealing of which 1 apparent minor); folder b: 10 images, no people
    person_cov = (201, 10, 10)
    person_rev = (201, 200, 10)
    minor_rev = (200, 200, 200)
    none = (10, 10, 10)
    a = [person_cov, person_cov, person_rev, person_rev, person_rev, minor_rev, none, none, none, none]
    b = [none] * 10
    return make_corpus(tmp_path / "corpus", {"a": a, "b": b}, corrupt=1)

"""Small regression guards on the shared photos (the full numbers: python -m garde.vision.evaluate)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from garde.model import Image
from garde.vision.analyzer import inspect_batch

pytestmark = pytest.mark.slow


def _rows(d: Path) -> list[dict[str, str]]:
    with open(d / "labels.csv", newline="") as f:
        return list(csv.DictReader(f))


def test_minor_faces_are_flagged_at_the_recommended_threshold(shared_data: Path, vision_models: object) -> None:
    rows = _rows(shared_data / "faces-age")[::12]  # ~42 faces across all ages
    res = inspect_batch([Image(data=(shared_data / "faces-age" / r["file"]).read_bytes(), name=r["file"])
                         for r in rows])
    minors, adults = [], []
    for r, ins in zip(rows, res, strict=True):
        assert not isinstance(ins, Exception) and ins.people.faces, r["file"]
        (minors if int(r["age"]) < 18 else adults if int(r["age"]) >= 25 else []).append(ins.people.apparent_minor)
    assert sum(m >= 0.1 for m in minors) / len(minors) >= 0.85
    assert sum(a >= 0.1 for a in adults) / len(adults) <= 0.3


def test_realism_separates_anime_from_photos(shared_data: Path, vision_models: object) -> None:
    ill = sorted((shared_data / "illustrations").glob("*.png"))[::6]
    pho = sorted((shared_data / "people-scenes").glob("*.jpg"))[::8]
    res = inspect_batch([Image(data=p.read_bytes(), name=p.name) for p in ill + pho])
    scores = [r.people.photo_realism for r in res if not isinstance(r, Exception)]
    ill_ok = sum(s < 0.5 for s in scores[: len(ill)]) / len(ill)
    pho_ok = sum(s >= 0.5 for s in scores[len(ill):]) / len(pho)
    assert ill_ok >= 0.8 and pho_ok >= 0.8


def test_clothed_photos_are_not_nudity(shared_data: Path, vision_models: object) -> None:
    paths = sorted((shared_data / "people-scenes").glob("*.jpg"))[::4] + \
        sorted((shared_data / "faces-age").glob("*.jpg"))[::25]
    for r in inspect_batch([Image(data=p.read_bytes(), name=p.name) for p in paths]):
        assert not isinstance(r, Exception)
        assert r.exposure.level.label in {"none", "covered", "revealing"}, (r.name, r.exposure.evidence())
        assert r.exposure.nudity < 0.5 and r.exposure.explicit < 0.5, r.name

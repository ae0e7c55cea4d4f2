"""Fixtures for the vision tests: recorded detector outputs and session-scoped real models."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from garde.vision.detectors import Part
from garde.vision.exposure import ExposureResult, assess

FIXTURES = Path(__file__).parent / "fixtures"


def load_fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return data


def exposure_of(name: str) -> ExposureResult:
    d = load_fixture(name)
    parts = [Part.from_dict(p) for p in d["parts"]]
    faces = [tuple(float(v) for v in f) for f in d["faces"]]
    return assess(parts, faces, (int(d["size"][0]), int(d["size"][1])))  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def vision_models() -> Any:
    """Load NudeNet and the face models once for all slow tests."""
    from garde.vision.detectors import face_models, nudenet

    return nudenet(), face_models()

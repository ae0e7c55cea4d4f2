from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from garde.vision.detectors import Part
from garde.vision.people import age_moments, calibrated, detect_faces, p_under

WEIGHTS = np.array([0.25, *range(1, 81)], dtype=np.float64)


def test_age_moments_of_a_point_mass_and_a_spread() -> None:
    p = np.zeros(81)
    p[30] = 1.0
    assert age_moments(p, WEIGHTS) == (30.0, 0.0)
    p = np.zeros(81)
    p[[20, 40]] = 0.5
    mean, sd = age_moments(p, WEIGHTS)
    assert mean == pytest.approx(30.0) and sd == pytest.approx(10.0)


def test_p_under_is_a_likelihood() -> None:
    assert p_under(10, 3, 18) > 0.99
    assert p_under(40, 5, 18) < 1e-4
    assert p_under(18, 4, 18) == pytest.approx(0.5)
    # more uncertainty moves the likelihood towards 0.5 from both sides
    assert p_under(22, 6, 18) > p_under(22, 2, 18)
    assert p_under(14, 6, 18) < p_under(14, 2, 18)
    # the Challenge-25 view is always at least the under-18 view
    assert p_under(22, 4, 25) >= p_under(22, 4, 18)


@given(st.floats(0, 90), st.floats(0.1, 30), st.floats(1, 40))
def test_p_under_bounds(age: float, sigma: float, margin: float) -> None:
    v = p_under(age, sigma, margin)
    assert 0.0 <= v <= 1.0


def test_calibrated_sigma_has_a_floor() -> None:
    age, sigma = calibrated(30.0, 0.0)
    assert sigma >= 1.0 and 0.0 <= age <= 100.0


def test_nudenet_faces_are_merged_without_models() -> None:
    parts = [
        Part(label="FACE_FEMALE", score=0.8, box=(10, 10, 50, 50)),
        Part(label="FACE_MALE", score=0.5, box=(12, 11, 48, 50)),  # same face, other class
        Part(label="FACE_MALE", score=0.2, box=(200, 10, 50, 50)),  # below the face floor
        Part(label="BELLY_EXPOSED", score=0.9, box=(0, 100, 80, 60)),
    ]
    rgb = np.zeros((300, 300, 3), np.uint8)
    faces = detect_faces(rgb, parts, None)
    assert len(faces) == 1
    _box, conf, sources = faces[0]
    assert sources == ("nudenet",) and 0.5 < conf <= 1.0


def test_merge_parts_keeps_classes_apart() -> None:
    from garde.vision.detectors import merge_parts

    a = [Part(label="BELLY_EXPOSED", score=0.6, box=(0, 0, 10, 10))]
    b = [Part(label="BELLY_EXPOSED", score=0.5, box=(1, 1, 10, 10)),
         Part(label="BELLY_COVERED", score=0.4, box=(0, 0, 10, 10))]
    out = merge_parts(a, b)
    assert [(p.label, p.score) for p in out] == [("BELLY_EXPOSED", 0.6), ("BELLY_COVERED", 0.4)]

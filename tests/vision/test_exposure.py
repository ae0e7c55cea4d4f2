from __future__ import annotations

import pytest

from garde.vision.detectors import Part
from garde.vision.exposure import PART_LEVEL, PRESENCE, Level, assess, level_score, rescale

from .conftest import exposure_of


@pytest.mark.parametrize(
    ("fixture", "level", "parts"),
    [
        ("landscape", Level.NONE, []),
        ("portrait_covered", Level.COVERED, ["ARMPITS_COVERED", "BELLY_COVERED", "FEMALE_BREAST_COVERED"]),
        ("portrait_swimwear", Level.REVEALING, ["BELLY_EXPOSED", "FEMALE_GENITALIA_COVERED"]),
        ("portrait_topless", Level.PARTIAL_NUDITY, ["BELLY_EXPOSED", "FEMALE_BREAST_EXPOSED"]),
        ("portrait_explicit", Level.EXPLICIT, ["BUTTOCKS_COVERED", "FEMALE_GENITALIA_EXPOSED"]),
        ("headless_torso_revealing", Level.REVEALING, ["BELLY_EXPOSED"]),
        ("weak_exposed", Level.COVERED, ["BELLY_COVERED"]),
    ],
)
def test_fixture_levels(fixture: str, level: Level, parts: list[str]) -> None:
    res = exposure_of(fixture)
    assert res.level is level
    present = set(res.evidence()["parts"])
    assert set(parts) <= present


def test_signal_scores_cross_half_exactly_at_the_level() -> None:
    sw = exposure_of("portrait_swimwear")
    assert sw.revealing >= 0.5 > sw.nudity
    top = exposure_of("portrait_topless")
    assert top.nudity >= 0.5 and top.revealing >= top.nudity and top.explicit == 0.0
    ex = exposure_of("portrait_explicit")
    assert ex.explicit >= 0.5
    weak = exposure_of("weak_exposed")
    # a weak breast detection is reported as evidence below the level threshold
    assert 0.0 < weak.nudity < 0.5 and weak.level is Level.COVERED


def test_rescale_is_monotone_and_anchored() -> None:
    t = 0.3
    vals = [rescale(x / 100, t) for x in range(101)]
    assert vals == sorted(vals)
    assert rescale(0.0, t) == 0.0 and rescale(1.0, t) == 1.0 and rescale(t, t) == pytest.approx(0.5)


def test_every_body_class_is_mapped_and_has_a_threshold() -> None:
    from garde.vision.detectors import NUDENET_LABELS

    body = [c for c in NUDENET_LABELS if not c.startswith("FACE_")]
    assert set(body) == set(PART_LEVEL) == set(PRESENCE)
    assert PART_LEVEL["FEMALE_GENITALIA_EXPOSED"] is Level.EXPLICIT
    assert PART_LEVEL["FEMALE_BREAST_EXPOSED"] is Level.PARTIAL_NUDITY
    assert PART_LEVEL["BELLY_EXPOSED"] is Level.REVEALING


def test_parts_are_attributed_to_the_nearest_person() -> None:
    res = exposure_of("pair_one_revealing")
    assert [p.level for p in res.persons] == [Level.COVERED, Level.REVEALING]
    assert res.level is Level.REVEALING


def test_level_is_none_without_person_even_with_weak_parts() -> None:
    res = assess([Part(label="FEET_COVERED", score=0.2, box=(0, 0, 10, 10))], [], (100, 100))
    assert res.level is Level.NONE and res.persons == ()


def test_face_classes_are_not_body_parts() -> None:
    res = assess([Part(label="FACE_FEMALE", score=0.9, box=(10, 10, 20, 20))], [(10, 10, 20, 20)], (100, 100))
    assert res.level is Level.COVERED and res.parts == ()
    assert level_score(res.parts, Level.REVEALING) == 0.0


def test_level_parse_and_label() -> None:
    assert Level.parse("partial_nudity") is Level.PARTIAL_NUDITY
    assert Level.EXPLICIT.label == "explicit" and Level.parse(2) is Level.REVEALING


def test_parts_inside_a_face_are_suppressed_not_levels() -> None:
    # NudeNet misreads close-up (often bearded) faces as genitals; seen on 49/495 UTKFace crops
    res = exposure_of("closeup_face_misread")
    assert res.level is Level.COVERED
    assert {p.label for p in res.suppressed} == {"FEMALE_GENITALIA_EXPOSED", "FEMALE_BREAST_EXPOSED"}
    assert 0.0 < res.explicit < 0.5 and res.nudity < 0.5
    assert res.evidence()["suppressed_in_face"]

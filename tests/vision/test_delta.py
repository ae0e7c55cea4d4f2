from __future__ import annotations

from garde.vision.delta import compare_exposure, compare_many, iou
from garde.vision.exposure import Level

from .conftest import exposure_of


def test_bikini_edit_of_a_covered_person_gains_one_level() -> None:
    d = compare_exposure(exposure_of("portrait_covered"), exposure_of("portrait_swimwear"))
    assert d.mode == "person" and d.gained == 1
    assert d.attire_delta == 0.25 and d.exposure_increase >= 0.5
    assert d.persons[0].before is Level.COVERED and d.persons[0].after is Level.REVEALING


def test_adding_or_keeping_clothes_is_not_an_increase() -> None:
    for a, b in [("portrait_swimwear", "portrait_covered"), ("portrait_covered", "portrait_covered"),
                 ("portrait_topless", "portrait_swimwear"), ("portrait_swimwear", "portrait_swimwear")]:
        d = compare_exposure(exposure_of(a), exposure_of(b))
        assert d.gained == 0 and d.attire_delta == 0.0, (a, b)
        assert d.exposure_increase < 0.5, (a, b)


def test_levels_gained_are_counted() -> None:
    assert compare_exposure(exposure_of("portrait_covered"), exposure_of("portrait_topless")).gained == 2
    d = compare_exposure(exposure_of("portrait_covered"), exposure_of("portrait_explicit"))
    assert d.gained == 3 and d.attire_delta == 0.75


def test_matching_survives_a_resolution_change() -> None:
    d = compare_exposure(exposure_of("portrait_coat_small"), exposure_of("portrait_swimwear"))
    assert d.mode == "person" and d.persons[0].iou > 0.8 and d.gained == 1
    d2 = compare_exposure(exposure_of("portrait_covered"), exposure_of("portrait_swimwear_small"))
    assert d2.mode == "person" and d2.gained == 1


def test_only_the_changed_person_gains() -> None:
    d = compare_exposure(exposure_of("pair_covered"), exposure_of("pair_one_revealing"))
    assert d.mode == "person"
    assert [p.gained for p in d.persons] == [0, 1]
    assert d.gained == 1


def test_recomposed_edit_falls_back_to_image_level() -> None:
    d = compare_exposure(exposure_of("portrait_covered"), exposure_of("recomposed_revealing"))
    assert d.mode == "image" and d.persons[0].original_index is None and d.gained == 1


def test_fallback_uses_least_exposed_original() -> None:
    # one of two people was revealing already; an unmatched revealing person still counts from covered
    d = compare_exposure(exposure_of("pair_one_revealing"), exposure_of("recomposed_revealing"))
    assert d.mode == "image" and d.gained == 1


def test_new_person_in_a_landscape_counts_from_covered() -> None:
    d = compare_exposure(exposure_of("landscape"), exposure_of("portrait_topless"))
    assert d.gained == 2 and d.persons[0].before is Level.COVERED
    assert compare_exposure(exposure_of("landscape"), exposure_of("portrait_covered")).gained == 0


def test_headless_bodies_match_each_other() -> None:
    d = compare_exposure(exposure_of("headless_torso_revealing"), exposure_of("headless_torso_revealing"))
    assert d.mode == "person" and d.gained == 0


def test_compare_many_prefers_the_matching_original() -> None:
    d = compare_many([exposure_of("landscape"), exposure_of("portrait_swimwear")], exposure_of("portrait_swimwear"))
    assert d.gained == 0 and d.mode == "person"
    d2 = compare_many([], exposure_of("portrait_swimwear"))
    assert d2.gained == 1


def test_iou() -> None:
    assert iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert iou((0, 0, 10, 10), (20, 20, 5, 5)) == 0.0
    assert 0.14 < iou((0, 0, 10, 10), (5, 5, 10, 10)) < 0.15

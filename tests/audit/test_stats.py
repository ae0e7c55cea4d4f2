from __future__ import annotations

import math

import numpy as np
import pytest

from garde.audit.stats import proportional_allocation, stratified_ratio, stratified_sample, wilson


def test_wilson_known_values() -> None:
    # textbook value: 81 of 263 → [0.2553, 0.3662] (Newcombe 1998, method 3 at z=1.96)
    s = wilson(81, 263)
    assert s.estimate == pytest.approx(81 / 263)
    assert s.low == pytest.approx(0.2553, abs=5e-4)
    assert s.high == pytest.approx(0.3662, abs=5e-4)


def test_wilson_edges() -> None:
    z = wilson(0, 10)
    assert z.low == 0.0 and 0.25 < z.high < 0.35
    full = wilson(10, 10)
    assert full.high == pytest.approx(1.0) and 0.65 < full.low < 0.75
    empty = wilson(0, 0)
    assert (empty.low, empty.high) == (0.0, 1.0)
    with pytest.raises(ValueError, match="k=5"):
        wilson(5, 3)


def test_stratified_equals_wilson_like_for_one_stratum_without_fpc_effect() -> None:
    rng = np.random.default_rng(0)
    y = (rng.random(400) < 0.3).astype(float)
    s = stratified_ratio(y, np.ones_like(y), ["all"] * 400, {"all": 10_000_000})
    w = wilson(int(y.sum()), 400)
    assert s.estimate == pytest.approx(w.estimate)
    # huge population: FPC ~ 1, n_eff ~ n (n-1 vs n in the variance)
    assert s.n_eff == pytest.approx(400, rel=0.01)
    assert s.low == pytest.approx(w.low, abs=2e-3) and s.high == pytest.approx(w.high, abs=2e-3)


def test_stratified_weights_strata_by_population() -> None:
    # stratum A: 10 sampled of 1000, all positive; stratum B: 10 sampled of 9000, none positive → 10%
    y = [1.0] * 10 + [0.0] * 10
    strata = ["A"] * 10 + ["B"] * 10
    s = stratified_ratio(y, [1.0] * 20, strata, {"A": 1000, "B": 9000})
    assert s.estimate == pytest.approx(0.1)
    # naive pooled share would be 50%
    assert s.high < 0.5


def test_fpc_narrows_and_census_is_exact() -> None:
    y = [1.0, 0.0] * 25
    big = stratified_ratio(y, [1.0] * 50, ["h"] * 50, {"h": 1_000_000})
    small = stratified_ratio(y, [1.0] * 50, ["h"] * 50, {"h": 60})
    assert (small.high - small.low) < (big.high - big.low)
    census = stratified_ratio(y, [1.0] * 50, ["h"] * 50, {"h": 50})
    assert census.low == census.high == pytest.approx(0.5)
    assert math.isinf(census.n_eff or 0.0)


def test_ratio_estimator_subpopulation() -> None:
    # denominator only where x = 1: 3 of 4 in the domain
    s = stratified_ratio([1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 0, 0], ["h"] * 6, {"h": 600})
    assert s.estimate == pytest.approx(0.75)
    assert s.n == 4 and s.k == 3


def test_stratified_ratio_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="no population size"):
        stratified_ratio([1.0], [1.0], ["x"], {})
    with pytest.raises(ValueError, match="population of 1"):
        stratified_ratio([1.0, 1.0], [1.0, 1.0], ["x", "x"], {"x": 1})


def test_proportional_allocation() -> None:
    alloc = proportional_allocation({"a": 900, "b": 90, "c": 10}, 100)
    assert sum(alloc.values()) == 100
    assert alloc["c"] >= 2 and alloc["a"] > alloc["b"] > alloc["c"] - 1
    assert proportional_allocation({"a": 3, "b": 4}, 100) == {"a": 3, "b": 4}


def test_stratified_sample_deterministic() -> None:
    strata = ["a"] * 50 + ["b"] * 30 + ["c"] * 20
    s1 = stratified_sample(strata, 20, seed=7)
    assert s1 == stratified_sample(strata, 20, seed=7)
    assert s1 != stratified_sample(strata, 20, seed=8)
    assert len(s1) == 20 and len(set(s1)) == 20
    counts = {h: sum(1 for i in s1 if strata[i] == h) for h in "abc"}
    assert counts == {"a": 10, "b": 6, "c": 4}

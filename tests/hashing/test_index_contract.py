"""The index contract: every implementation returns exactly what brute force returns."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from garde.errors import InputError
from garde.hashing.index import (
    BruteForceIndex,
    FaissIndex,
    HashIndex,
    MultiIndexHashIndex,
    build_index,
    faiss_available,
)

IMPLS: list[Any] = [
    pytest.param(BruteForceIndex, id="brute"),
    pytest.param(MultiIndexHashIndex, id="mih"),
    pytest.param(FaissIndex, id="faiss",
                 marks=pytest.mark.skipif(not faiss_available(), reason="faiss-cpu is not installed")),
]


def _flip(rng: np.random.Generator, h: np.ndarray[Any, Any], k: int) -> np.ndarray[Any, Any]:
    out = h.copy()
    for b in rng.choice(256, size=k, replace=False):
        out[b // 64] ^= np.uint64(1) << np.uint64(63 - b % 64)
    return out


@pytest.fixture(scope="module")
def bank() -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    rng = np.random.default_rng(42)
    base = rng.integers(0, 2**64, size=(3000, 4), dtype=np.uint64)
    # plant near-duplicates of a few entries at known distances, and exact duplicates
    planted = [_flip(rng, base[i], k) for i, k in zip(range(40), list(range(0, 40)), strict=True)]
    hashes = np.vstack([base, np.array(planted), base[:3]])
    queries = np.vstack([base[:40], _flip(rng, base[100], 31)[None], _flip(rng, base[101], 32)[None],
                         rng.integers(0, 2**64, size=(5, 4), dtype=np.uint64)])
    return hashes, queries


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("radius", [0, 1, 15, 16, 31, 40, 47, 60])
def test_same_results_as_brute_force(impl: Callable[..., HashIndex], radius: int,
                                     bank: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]) -> None:
    hashes, queries = bank
    truth = BruteForceIndex(hashes).search(queries, radius)
    got = impl(hashes).search(queries, radius)
    assert len(got) == len(truth)
    for (tp, td), (gp, gd) in zip(truth, got, strict=True):
        assert gp.tolist() == tp.tolist()
        assert gd.tolist() == td.tolist()
        assert gd.tolist() == sorted(gd.tolist())
        assert all(d <= radius for d in gd.tolist())


@pytest.mark.parametrize("impl", IMPLS)
def test_threshold_is_inclusive_and_finds_planted(impl: Callable[..., HashIndex],
                                                  bank: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]) -> None:
    hashes, queries = bank
    idx = impl(hashes)
    assert len(idx) == len(hashes) and idx.memory_bytes() >= hashes.nbytes
    res = idx.search(queries, 31)
    assert 100 in res[40][0].tolist()  # exactly 31 bits away: a match
    assert 101 not in res[41][0].tolist()  # 32 bits: not
    pos, _ = res[0]
    assert {0, 3000, 3040} <= set(pos.tolist())  # base[0], its 0-bit copy, its duplicate


@pytest.mark.parametrize("impl", IMPLS)
def test_empty_index_and_empty_queries(impl: Callable[..., HashIndex]) -> None:
    empty = impl(np.zeros((0, 4), dtype=np.uint64))
    q = np.ones((2, 4), dtype=np.uint64)
    assert [len(p) for p, _ in empty.search(q, 31)] == [0, 0]
    full = impl(np.ones((3, 4), dtype=np.uint64))
    assert full.search(np.zeros((0, 4), dtype=np.uint64), 31) == []


def test_bad_shapes_and_kinds() -> None:
    with pytest.raises(InputError, match=r"\(3, 3\)"):
        BruteForceIndex(np.zeros((3, 3), dtype=np.uint64))
    with pytest.raises(InputError, match="'annoy'"):
        build_index(np.zeros((1, 4), dtype=np.uint64), "annoy")
    assert build_index(np.zeros((10, 4), dtype=np.uint64)).name == "brute"
    assert build_index(np.zeros((30_000, 4), dtype=np.uint64)).name == "mih"

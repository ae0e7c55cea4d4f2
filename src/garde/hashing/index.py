"""PDQ match indexes behind one interface: a correct brute force and fast ones for large banks.

Every index is built once from an ``(n, 4)`` uint64 array of PDQ hashes (see
:func:`garde.hashing.pdq.hex_to_words`) and answers *range* queries: every
stored hash within ``max_distance`` bits of each query, as positions into the
build array with their distances, nearest first. A contract test
(``tests/hashing/test_index_contract.py``) runs the same cases on each one.

* :class:`BruteForceIndex` — numpy popcount over the whole bank (``np.bitwise_count``).
  Exact, no build cost, ~15 ms per query per million hashes.
* :class:`MultiIndexHashIndex` — multi-index hashing (Norouzi et al. 2012) in numpy: the
  256 bits are cut into 16 chunks of 16 bits, one bucket table per chunk. If two hashes
  are within ``r`` bits, by the pigeonhole principle at least one chunk is within
  ``r // 16`` bits (1 for the default threshold 31), so probing every chunk value within
  that radius finds every true match; candidates are then checked exactly. Exact (no
  misses) for ``r < 48``; falls back to brute force above.
* :class:`FaissIndex` — faiss's binary flat index (SIMD popcount), used when ``faiss``
  is importable (``faiss-cpu``); optional.
"""

from __future__ import annotations

import itertools
from typing import Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from garde.errors import InputError

__all__ = [
    "BruteForceIndex",
    "FaissIndex",
    "HashIndex",
    "MultiIndexHashIndex",
    "SearchResult",
    "build_index",
    "faiss_available",
]

#: Per query: (positions into the build array, distances), nearest first.
SearchResult = tuple[NDArray[np.int64], NDArray[np.int64]]

_EMPTY: SearchResult = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))


def _check(hashes: NDArray[Any]) -> NDArray[np.uint64]:
    arr = np.ascontiguousarray(hashes, dtype=np.uint64)
    if arr.ndim != 2 or arr.shape[1] != 4:
        raise InputError(f"PDQ hashes must be an (n, 4) uint64 array, got shape {arr.shape!r}")
    return arr


def _sorted(pos: NDArray[np.int64], dist: NDArray[np.int64]) -> SearchResult:
    order = np.lexsort((pos, dist))
    return pos[order], dist[order]


@runtime_checkable
class HashIndex(Protocol):
    """What the matcher needs from an index."""

    name: str

    def __len__(self) -> int: ...

    def search(self, queries: NDArray[np.uint64], max_distance: int) -> list[SearchResult]:
        """For each query row, the stored hashes within ``max_distance`` bits (inclusive)."""
        ...

    def memory_bytes(self) -> int:
        """Bytes held by the index structures (hashes included)."""
        ...


class BruteForceIndex:
    """Correct first: XOR + popcount against every stored hash."""

    name = "brute"

    def __init__(self, hashes: NDArray[Any], block: int = 262_144) -> None:
        self.hashes = _check(hashes)
        self.block = block

    def __len__(self) -> int:
        return int(self.hashes.shape[0])

    def memory_bytes(self) -> int:
        return int(self.hashes.nbytes)

    def search(self, queries: NDArray[np.uint64], max_distance: int) -> list[SearchResult]:
        q = _check(queries)
        out: list[SearchResult] = []
        n = len(self)
        for row in q:
            pos_parts: list[NDArray[np.int64]] = []
            dist_parts: list[NDArray[np.int64]] = []
            for start in range(0, n, self.block):
                chunk = self.hashes[start:start + self.block]
                d = np.bitwise_count(chunk ^ row).sum(axis=1, dtype=np.int64)
                hit = np.flatnonzero(d <= max_distance)
                if hit.size:
                    pos_parts.append(hit.astype(np.int64) + start)
                    dist_parts.append(d[hit])
            if pos_parts:
                out.append(_sorted(np.concatenate(pos_parts), np.concatenate(dist_parts)))
            else:
                out.append(_EMPTY)
        return out


def _flip_masks(bits: int, radius: int) -> NDArray[np.int64]:
    masks = [0]
    for k in range(1, radius + 1):
        for combo in itertools.combinations(range(bits), k):
            m = 0
            for b in combo:
                m |= 1 << b
            masks.append(m)
    return np.array(masks, dtype=np.int64)


class MultiIndexHashIndex:
    """Multi-index hashing over 16 chunks of 16 bits; exact for ``max_distance < 48``."""

    name = "mih"
    CHUNKS = 16
    CHUNK_BITS = 16
    MAX_PROBE_RADIUS = 2

    def __init__(self, hashes: NDArray[Any]) -> None:
        self.hashes = _check(hashes)
        n = len(self)
        if n >= 2**32:
            raise InputError(f"{n} hashes is more than one multi-index table holds (2**32)")
        self._fallback = BruteForceIndex(self.hashes)
        keys = self._chunks(self.hashes)  # (n, 16) int64
        size = 1 << self.CHUNK_BITS
        self.perm = np.empty((self.CHUNKS, n), dtype=np.uint32)
        self.offsets = np.empty((self.CHUNKS, size + 1), dtype=np.int64)
        for c in range(self.CHUNKS):
            col = keys[:, c]
            self.perm[c] = np.argsort(col.astype(np.uint16), kind="stable").astype(np.uint32)
            counts = np.bincount(col, minlength=size)
            self.offsets[c, 0] = 0
            np.cumsum(counts, out=self.offsets[c, 1:])
        self._masks = {r: _flip_masks(self.CHUNK_BITS, r) for r in range(self.MAX_PROBE_RADIUS + 1)}

    @classmethod
    def _chunks(cls, words: NDArray[np.uint64]) -> NDArray[np.int64]:
        shifts = np.array([48, 32, 16, 0], dtype=np.uint64)
        parts = (words[:, :, None] >> shifts[None, None, :]) & np.uint64(0xFFFF)
        return parts.reshape(words.shape[0], cls.CHUNKS).astype(np.int64)

    def __len__(self) -> int:
        return int(self.hashes.shape[0])

    def memory_bytes(self) -> int:
        return int(self.hashes.nbytes + self.perm.nbytes + self.offsets.nbytes)

    def search(self, queries: NDArray[np.uint64], max_distance: int) -> list[SearchResult]:
        q = _check(queries)
        radius = max_distance // self.CHUNKS
        if radius > self.MAX_PROBE_RADIUS or max_distance < 0:
            return self._fallback.search(q, max_distance)
        m = q.shape[0]
        n = len(self)
        if m == 0:
            return []
        if n == 0:
            return [_EMPTY for _ in range(m)]
        masks = self._masks[radius]
        qk = self._chunks(q)  # (m, 16)
        probes = qk[:, :, None] ^ masks[None, None, :]  # (m, 16, P)
        chunk_idx = np.broadcast_to(np.arange(self.CHUNKS)[None, :, None], probes.shape)
        starts = self.offsets[chunk_idx, probes].ravel()
        ends = self.offsets[chunk_idx, probes + 1].ravel()
        lengths = ends - starts
        total = int(lengths.sum())
        if total == 0:
            return [_EMPTY for _ in range(m)]
        # positions into perm.ravel(): chunk * n + start + k, for k < length
        base = (chunk_idx.ravel() * n + starts)
        nonzero = lengths > 0
        base, lengths = base[nonzero], lengths[nonzero]
        qid_of_probe = np.broadcast_to(np.arange(m)[:, None, None], probes.shape).ravel()[nonzero]
        run_starts = np.cumsum(lengths) - lengths
        flat = np.repeat(base - run_starts, lengths) + np.arange(total)
        cand = self.perm.ravel()[flat].astype(np.int64)
        qid = np.repeat(qid_of_probe, lengths)
        d = np.bitwise_count(self.hashes[cand] ^ q[qid]).sum(axis=1, dtype=np.int64)
        keep = d <= max_distance
        # a true match is usually found through several chunks: dedupe the few hits, not the candidates
        pair, first = np.unique(qid[keep] * n + cand[keep], return_index=True)
        qid, cand, d = pair // n, pair % n, d[keep][first]
        out: list[SearchResult] = []
        bounds = np.searchsorted(qid, np.arange(m + 1))
        for i in range(m):
            a, b = int(bounds[i]), int(bounds[i + 1])
            out.append(_sorted(cand[a:b], d[a:b]) if b > a else _EMPTY)
        return out


def faiss_available() -> bool:
    try:
        import faiss  # noqa: F401
    except ImportError:
        return False
    return True


class FaissIndex:
    """faiss ``IndexBinaryFlat`` range search (SIMD popcount). Needs ``faiss-cpu``."""

    name = "faiss"

    def __init__(self, hashes: NDArray[Any]) -> None:
        import faiss

        self.hashes = _check(hashes)
        self._index: Any = faiss.IndexBinaryFlat(256)
        if len(self):
            self._index.add(self._bytes(self.hashes))

    @staticmethod
    def _bytes(words: NDArray[np.uint64]) -> NDArray[np.uint8]:
        return np.ascontiguousarray(words.astype(">u8")).view(np.uint8).reshape(-1, 32)

    def __len__(self) -> int:
        return int(self.hashes.shape[0])

    def memory_bytes(self) -> int:
        return int(self.hashes.nbytes * 2)

    def search(self, queries: NDArray[np.uint64], max_distance: int) -> list[SearchResult]:
        q = _check(queries)
        if q.shape[0] == 0:
            return []
        if len(self) == 0 or max_distance < 0:
            return [_EMPTY for _ in range(q.shape[0])]
        # faiss's binary range search keeps distances strictly below the radius.
        lims, dist, ids = self._index.range_search(self._bytes(q), max_distance + 1)
        out: list[SearchResult] = []
        for i in range(q.shape[0]):
            a, b = int(lims[i]), int(lims[i + 1])
            out.append(_sorted(ids[a:b].astype(np.int64), dist[a:b].astype(np.int64)) if b > a else _EMPTY)
        return out


#: Banks smaller than this are searched by brute force (no build cost, fast enough).
AUTO_BRUTE_BELOW = 20_000


def build_index(hashes: NDArray[Any], kind: str = "auto") -> HashIndex:
    """``kind``: ``brute``, ``mih``, ``faiss`` or ``auto`` (brute below 20 000 hashes, else mih; faiss
    installed only when asked for)."""
    k = kind.strip().lower()
    if k == "auto":
        n = int(np.shape(hashes)[0])
        k = "brute" if n < AUTO_BRUTE_BELOW else "mih"
    if k == "brute":
        return BruteForceIndex(hashes)
    if k == "mih":
        return MultiIndexHashIndex(hashes)
    if k == "faiss":
        if not faiss_available():
            raise InputError("index kind 'faiss' needs the faiss-cpu package, which is not installed")
        return FaissIndex(hashes)
    raise InputError(f"unknown index kind {kind!r}; expected auto, brute, mih or faiss")

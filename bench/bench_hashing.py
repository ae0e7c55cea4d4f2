"""Benchmark of PDQ matching: 1,000,000 banked hashes, fast index vs brute force in the same run.

    python bench/bench_hashing.py [--n 1000000] [--queries 300] [--json]

Reports build time, memory per million hashes, lookup latency (one PDQ; and one image =
its 8 dihedral PDQs) for the multi-index-hashing index, brute force and faiss (when
installed), checks that the fast index returns exactly what brute force returns, and
the cost of the dihedral and border-crop variants (hashing time, index size).
Exit status 1 if the fast index misses the target (one-PDQ lookup p50 <= 5 ms) or
disagrees with brute force.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from garde.hashing.index import BruteForceIndex, FaissIndex, HashIndex, MultiIndexHashIndex, faiss_available
from garde.hashing.pdq import crop_hashes, decode_rgb, hash_rgb

TARGET_P50_MS = 5.0


def _flip(rng: np.random.Generator, h: np.ndarray[Any, Any], k: int) -> np.ndarray[Any, Any]:
    out = h.copy()
    for b in rng.choice(256, size=k, replace=False):
        out[b // 64] ^= np.uint64(1) << np.uint64(63 - b % 64)
    return out


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _lat(index: HashIndex, queries: np.ndarray[Any, Any], per_call: int, reps: int) -> dict[str, float]:
    times: list[float] = []
    for i in range(reps):
        q = queries[(i * per_call) % len(queries):][:per_call]
        t = time.perf_counter()
        index.search(q, 31)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return {"p50_ms": round(statistics.median(times), 3), "p95_ms": round(times[int(0.95 * (len(times) - 1))], 3),
            "calls": reps}


def _hash_costs() -> dict[str, Any]:
    shared = os.environ.get("GARDE_SHARED_DATA") or "/work/shared/data"
    photos = sorted((Path(shared) / "people-scenes").glob("*.jpg"))[:20]
    if not photos:
        rng = np.random.default_rng(0)
        arrays = [rng.integers(0, 256, size=(480, 640, 3), dtype=np.uint8) for _ in range(10)]
        source = "synthetic 640x480"
    else:
        arrays = [decode_rgb(p.read_bytes(), p.name) for p in photos]
        source = f"{len(photos)} shared photos"
    t = time.perf_counter()
    datas = [p.read_bytes() for p in photos]
    for d in datas:
        decode_rgb(d)
    decode_ms = (time.perf_counter() - t) * 1000 / max(1, len(datas))
    out: dict[str, Any] = {"source": source, "decode_ms": round(decode_ms, 2)}
    for name, kw in (("pdq", {"dihedral": False}), ("pdq+8_dihedral", {"dihedral": True})):
        t = time.perf_counter()
        for a in arrays:
            hash_rgb(a, sha256="", md5="", **kw)
        out[f"{name}_ms"] = round((time.perf_counter() - t) * 1000 / len(arrays), 2)
    t = time.perf_counter()
    for a in arrays:
        crop_hashes(a)
    out["4_crop_variants_ms"] = round((time.perf_counter() - t) * 1000 / len(arrays), 2)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=int(os.environ.get("GARDE_BENCH_N", 1_000_000)))
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    rng = np.random.default_rng(7)
    hashes = rng.integers(0, 2**64, size=(a.n, 4), dtype=np.uint64)
    # queries: near-duplicates (0..31 bits) of banked hashes, and unrelated hashes
    near = np.stack([_flip(rng, hashes[i], int(k)) for i, k in
                     zip(rng.integers(0, a.n, a.queries // 2), rng.integers(0, 32, a.queries // 2), strict=True)])
    far = rng.integers(0, 2**64, size=(a.queries - len(near), 4), dtype=np.uint64)
    queries = np.vstack([near, far])
    rng.shuffle(queries)
    report: dict[str, Any] = {"n": a.n, "queries": len(queries), "threshold": 31, "indexes": {}}

    rss0 = _rss_mb()
    t = time.perf_counter()
    mih = MultiIndexHashIndex(hashes)
    report["indexes"]["mih"] = {"build_s": round(time.perf_counter() - t, 2),
                                "memory_mb_per_million": round(mih.memory_bytes() / a.n * 1e6 / 2**20, 1),
                                "rss_growth_mb": round(_rss_mb() - rss0, 1),
                                "one_pdq": _lat(mih, queries, 1, len(queries)),
                                "one_image_8_dihedral": _lat(mih, queries, 8, max(20, len(queries) // 8))}
    brute = BruteForceIndex(hashes)
    report["indexes"]["brute"] = {"build_s": 0.0,
                                  "memory_mb_per_million": round(brute.memory_bytes() / a.n * 1e6 / 2**20, 1),
                                  "one_pdq": _lat(brute, queries, 1, 30),
                                  "one_image_8_dihedral": _lat(brute, queries, 8, 5)}
    if faiss_available():
        t = time.perf_counter()
        fx = FaissIndex(hashes)
        report["indexes"]["faiss"] = {"build_s": round(time.perf_counter() - t, 2),
                                      "memory_mb_per_million": round(fx.memory_bytes() / a.n * 1e6 / 2**20, 1),
                                      "one_pdq": _lat(fx, queries, 1, 100),
                                      "one_image_8_dihedral": _lat(fx, queries, 8, 20)}
    else:
        report["indexes"]["faiss"] = "not installed (pip install faiss-cpu==1.15.1 to compare)"
    # exactness on a sample
    sample = queries[:60]
    agree = all(m[0].tolist() == b[0].tolist() and m[1].tolist() == b[1].tolist()
                for m, b in zip(mih.search(sample, 31), brute.search(sample, 31), strict=True))
    found = sum(1 for p, _ in mih.search(near[:60], 31) if len(p))
    report["mih_equals_brute_on_60_queries"] = agree
    report["near_duplicates_found"] = f"{found}/60"
    report["speedup_one_pdq_vs_brute"] = round(report["indexes"]["brute"]["one_pdq"]["p50_ms"]
                                               / max(1e-6, report["indexes"]["mih"]["one_pdq"]["p50_ms"]), 1)
    report["hashing"] = _hash_costs()
    report["crop_variants"] = ("each banked image adds 4 crop PDQs: the PDQ index holds 5 rows per banked image "
                               "(5x memory and 5x the chance of a random false match; 0 false matches measured "
                               "over 6,320 scene pairs and 89,700 face pairs by garde.hashing.evaluate)")
    p50 = report["indexes"]["mih"]["one_pdq"]["p50_ms"]
    report["ok"] = bool(agree and p50 <= TARGET_P50_MS)
    if a.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"PDQ matching benchmark: {a.n:,} banked random hashes, {len(queries)} queries, threshold 31")
        for name, r in report["indexes"].items():
            if isinstance(r, str):
                print(f"  {name:<6} {r}")
                continue
            print(f"  {name:<6} build {r['build_s']:>6} s  memory {r['memory_mb_per_million']:>6} MB/million  "
                  f"one PDQ p50 {r['one_pdq']['p50_ms']:>8} ms (p95 {r['one_pdq']['p95_ms']})  "
                  f"one image (8 dihedral) p50 {r['one_image_8_dihedral']['p50_ms']:>8} ms")
        print(f"  speed-up of mih over brute force (one PDQ, p50): {report['speedup_one_pdq_vs_brute']}x; "
              f"mih == brute: {agree}; near-duplicates found {report['near_duplicates_found']}")
        print(f"  hashing cost per image: {report['hashing']}")
        print(f"  {report['crop_variants']}")
        print(f"RESULT: {'OK' if report['ok'] else 'FAILED'} (target: one-PDQ lookup p50 <= {TARGET_P50_MS} ms)")
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())

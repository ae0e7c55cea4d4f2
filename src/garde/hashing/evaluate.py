"""Robustness and false-match evaluation of the hash matching (``make eval-hash``).

::

    python -m garde.hashing.evaluate [--data DIR] [--faces N] [--json]

On the shared photos (``people-scenes``; ``$GARDE_SHARED_DATA`` or ``../shared/data``),
every photo is banked the way ``garde hashes add`` banks it (PDQ + border-crop variants),
then each photo is transformed and matched the way the analyser matches (the 8 dihedral
PDQs of the query):

* targets — JPEG quality 60, resize to 50 %, horizontal mirror, 90° rotation, 5 % and
  10 % border crops (per side): each must match its own photo;
* beyond the targets (reported, not required) — crops of 2.5/7.5/15 %, one-sided crops,
  mirror + 5 % crop, rotation by 5°.

False matches: every photo's query against every *other* photo's banked hashes, in
three configurations (plain PDQ; dihedral queries; dihedral queries + crop variants =
what garde does), plus the face chips of ``faces-age`` as hard negatives (many similar
close-up faces). Exit status 1 if a target fails or a false match occurs at the
default threshold on the scenes.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image as PILImage

from garde.hashing.banks import DEFAULT_THRESHOLD
from garde.hashing.pdq import crop_hashes, decode_rgb, hamming, hash_rgb, hex_to_words

__all__ = ["TARGETS", "main", "run"]

Transform = Callable[[PILImage.Image], PILImage.Image]


def _jpeg(im: PILImage.Image, q: int = 60) -> PILImage.Image:
    buf = io.BytesIO()
    im.save(buf, format="JPEG", quality=q)
    return PILImage.open(io.BytesIO(buf.getvalue())).convert("RGB")


def _crop(f: float, sides: str = "all") -> Transform:
    def t(im: PILImage.Image) -> PILImage.Image:
        w, h = im.size
        dx, dy = int(w * f), int(h * f)
        if sides == "top":
            return im.crop((0, 2 * dy, w, h))
        if sides == "left":
            return im.crop((2 * dx, 0, w, h))
        return im.crop((dx, dy, w - dx, h - dy))
    return t


TARGETS: dict[str, Transform] = {
    "jpeg_q60": _jpeg,
    "resize_50": lambda im: im.resize((max(1, im.width // 2), max(1, im.height // 2)), PILImage.Resampling.BILINEAR),
    "mirror": lambda im: im.transpose(PILImage.Transpose.FLIP_LEFT_RIGHT),
    "rotate_90": lambda im: im.transpose(PILImage.Transpose.ROTATE_90),
    "crop_5": _crop(0.05),
    "crop_10": _crop(0.10),
}
EXTRAS: dict[str, Transform] = {
    "crop_2.5": _crop(0.025),
    "crop_7.5": _crop(0.075),
    "crop_15": _crop(0.15),
    "crop_10_top_only": _crop(0.05, "top"),
    "crop_10_left_only": _crop(0.05, "left"),
    "mirror+crop_5+jpeg": lambda im: _jpeg(_crop(0.05)(im.transpose(PILImage.Transpose.FLIP_LEFT_RIGHT))),
    "rotate_5deg": lambda im: im.rotate(5, resample=PILImage.Resampling.BILINEAR, expand=False),
}


@dataclass(frozen=True, slots=True)
class Banked:
    name: str
    orig: str
    crops: tuple[str, ...]
    quality: int


def _data_dir(arg: str | None) -> Path:
    for cand in [arg, os.environ.get("GARDE_SHARED_DATA"), "../shared/data", "/work/shared/data"]:
        if cand and (Path(cand) / "people-scenes").is_dir():
            return Path(cand)
    raise SystemExit("no shared photos: pass --data DIR (with a people-scenes/ folder) or set GARDE_SHARED_DATA")


def _pil(path: Path) -> PILImage.Image:
    return PILImage.fromarray(decode_rgb(path.read_bytes(), str(path), work_side=4096))


def _query(im: PILImage.Image) -> NDArray[np.uint64]:
    rgb = np.ascontiguousarray(np.asarray(im.convert("RGB"), dtype=np.uint8))
    return hex_to_words(list(hash_rgb(rgb, sha256="", md5="", dihedral=True).dihedral))


def _bank(name: str, im: PILImage.Image) -> Banked:
    rgb = np.ascontiguousarray(np.asarray(im, dtype=np.uint8))
    h = hash_rgb(rgb, sha256="", md5="", dihedral=False)
    return Banked(name=name, orig=h.pdq, crops=tuple(crop_hashes(rgb).values()), quality=h.quality)


def _stats(d: NDArray[np.int64], thr: int) -> dict[str, Any]:
    if d.size == 0:
        return {"pairs": 0}
    return {"pairs": int(d.size), "min": int(d.min()), "p1": float(np.percentile(d, 1)),
            "p5": float(np.percentile(d, 5)), "median": float(np.median(d)), "max": int(d.max()),
            "false_matches": int((d <= thr).sum()), "false_match_rate": float((d <= thr).mean())}


def _pairwise(queries: list[NDArray[np.uint64]], banked: list[Banked], use_crops: bool, dihedral: bool,
              ) -> NDArray[np.int64]:
    """min distance of each query image to each *other* banked image: a flat array over ordered pairs."""
    bank_rows: list[str] = []
    owner: list[int] = []
    for i, b in enumerate(banked):
        for h in (b.orig, *b.crops) if use_crops else (b.orig,):
            bank_rows.append(h)
            owner.append(i)
    bw = hex_to_words(bank_rows)
    own = np.array(owner)
    n = len(banked)
    out = np.empty((len(queries), n), dtype=np.int64)
    for qi, q in enumerate(queries):
        qq = q if dihedral else q[:1]
        d = hamming(bw[None, :, :], qq[:, None, :]).min(axis=0)  # (rows,)
        per = np.full(n, 256, dtype=np.int64)
        np.minimum.at(per, own, d)
        out[qi] = per
    mask = ~np.eye(len(queries), n, dtype=bool)
    return out[mask]


def run(data: Path, faces: int = 300, threshold: int = DEFAULT_THRESHOLD) -> dict[str, Any]:
    photos = sorted((data / "people-scenes").glob("*.jpg"))
    t0 = time.perf_counter()
    originals = [_pil(p) for p in photos]
    banked = [_bank(p.name, im) for p, im in zip(photos, originals, strict=True)]
    t_bank = (time.perf_counter() - t0) / max(1, len(photos))
    report: dict[str, Any] = {"photos": len(photos), "threshold": threshold, "transforms": {}}
    for group, table in (("target", TARGETS), ("extra", EXTRAS)):
        for tname, fn in table.items():
            dists_plain: list[int] = []
            dists_full: list[int] = []
            for b, im in zip(banked, originals, strict=True):
                q = _query(fn(im))
                own = hex_to_words([b.orig, *b.crops])
                dists_plain.append(int(hamming(own[:1], q[:1]).min()))
                dists_full.append(int(hamming(own[None, :, :], q[:, None, :]).min()))
            full = np.array(dists_full)
            report["transforms"][tname] = {
                "group": group, "matched": int((full <= threshold).sum()), "of": len(full),
                "median_distance": float(np.median(full)), "max_distance": int(full.max()),
                "plain_pdq_median": float(np.median(dists_plain)),
                "plain_pdq_matched": int((np.array(dists_plain) <= threshold).sum()),
            }
    t1 = time.perf_counter()
    queries = [_query(im) for im in originals]
    t_query = (time.perf_counter() - t1) / max(1, len(photos))
    report["false_matches"] = {
        "plain_pdq": _stats(_pairwise(queries, banked, use_crops=False, dihedral=False), threshold),
        "dihedral": _stats(_pairwise(queries, banked, use_crops=False, dihedral=True), threshold),
        "dihedral+crops (garde)": _stats(_pairwise(queries, banked, use_crops=True, dihedral=True), threshold),
    }
    face_paths = sorted((data / "faces-age").glob("*.jpg"))[:faces] if faces else []
    if face_paths:
        fims = [_pil(p) for p in face_paths]
        fb = [_bank(p.name, im) for p, im in zip(face_paths, fims, strict=True)]
        fq = [_query(im) for im in fims]
        report["false_matches_faces"] = {
            "images": len(face_paths),
            "plain_pdq": _stats(_pairwise(fq, fb, use_crops=False, dihedral=False), threshold),
            "dihedral+crops (garde)": _stats(_pairwise(fq, fb, use_crops=True, dihedral=True), threshold),
        }
    report["timing_ms"] = {"bank_one_image_with_4_crops": round(t_bank * 1000, 1),
                           "query_hash_8_dihedral": round(t_query * 1000, 1)}
    ok = all(v["matched"] == v["of"] for v in report["transforms"].values() if v["group"] == "target")
    ok = ok and report["false_matches"]["dihedral+crops (garde)"]["false_matches"] == 0
    report["ok"] = ok
    return report


def _print(r: dict[str, Any]) -> None:
    print(f"hash matching evaluation: {r['photos']} photos, threshold {r['threshold']} bits")
    print(f"{'transform':<22} {'group':<7} {'matched':>9} {'median d':>9} {'max d':>6}   plain PDQ (no dihedral/crops)")
    for name, v in r["transforms"].items():
        print(f"{name:<22} {v['group']:<7} {v['matched']:>4}/{v['of']:<4} {v['median_distance']:>9.1f} "
              f"{v['max_distance']:>6}   median {v['plain_pdq_median']:.0f}, "
              f"matched {v['plain_pdq_matched']}/{v['of']}")
    for key in ("false_matches", "false_matches_faces"):
        if key not in r:
            continue
        print(f"\n{key.replace('_', ' ')} (distance of each image to every other banked image):")
        for cfg, s in r[key].items():
            if not isinstance(s, dict):
                continue
            print(f"  {cfg:<24} pairs={s['pairs']:<7} min={s['min']:<4} p1={s['p1']:<6.1f} p5={s['p5']:<6.1f} "
                  f"median={s['median']:<6.1f} false matches={s['false_matches']} "
                  f"(rate {s['false_match_rate']:.2e})")
    print(f"\ntiming: {r['timing_ms']}")
    print("RESULT:", "OK" if r["ok"] else "FAILED")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m garde.hashing.evaluate", description=__doc__.split("\n")[0])
    ap.add_argument("--data", help="folder with people-scenes/ and faces-age/ (default: ../shared/data)")
    ap.add_argument("--faces", type=int, default=300, help="face chips used as hard negatives (0: none)")
    ap.add_argument("--threshold", type=int, default=DEFAULT_THRESHOLD)
    ap.add_argument("--json", action="store_true", help="print the report as JSON")
    a = ap.parse_args(argv)
    r = run(_data_dir(a.data), faces=a.faces, threshold=a.threshold)
    if a.json:
        print(json.dumps(r, indent=2))
    else:
        _print(r)
    return 0 if r["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())

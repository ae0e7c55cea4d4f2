"""Benchmark of ``garde audit``: throughput on 1024-px photos and memory as the corpus grows.

* Throughput: N (default 60) 1024-px JPEGs synthesised in a temp folder by upscaling and
  re-encoding the shared photos; a naive loop calling the analysers one image at a time
  (``inspect_image`` + a PDQ hash) in this process, then ``garde audit`` with 1 and 2
  workers (and Ray with ``--ray``). Rates exclude model loading where stated.
* Memory: peak RSS of the driver and of the largest worker for 1,000 small re-encoded images
  (and 10,000 with ``--full``) with the real analysers, plus 1,000 and 10,000 with the fake
  inspector (the pipeline's own footprint: readers, checkpoint, writer, summary).

Nothing is written to the repository; the photos never leave the temp folder.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image as PILImage

ROOT = Path(__file__).resolve().parents[1]


def shared_photos() -> list[Path]:
    env = os.environ.get("GARDE_SHARED_DATA")
    for cand in ([Path(env)] if env else []) + [ROOT.parent / "shared" / "data", Path("/work/shared/data")]:
        if (cand / "people-scenes").is_dir():
            return sorted((cand / "people-scenes").glob("*.jpg")) + sorted((cand / "faces-age").glob("*.jpg"))
    sys.exit("bench_audit: the shared photos are not on this machine (set GARDE_SHARED_DATA)")


def synth(dst: Path, n: int, side: int, sources: list[Path]) -> Path:
    dst.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        src = sources[i % len(sources)]
        with PILImage.open(src) as im:
            im = im.convert("RGB")
            s = side / max(im.size)
            im = im.resize((max(1, round(im.width * s)), max(1, round(im.height * s))), PILImage.Resampling.BILINEAR)
            # a distinct file each time (quality and a one-pixel tweak), so no cache can help
            im.putpixel((0, 0), (i % 256, (i // 256) % 256, 7))
            im.save(dst / f"img{i:05d}.jpg", quality=85 + (i % 10))
    return dst


def naive(folder: Path) -> float:
    from garde.hashing.pdq import hash_bytes
    from garde.model import Image
    from garde.vision.analyzer import inspect_image
    from garde.vision.detectors import face_models, nudenet

    nudenet()
    face_models()
    files = sorted(folder.glob("*.jpg"))
    t = time.monotonic()
    for f in files:
        data = f.read_bytes()
        inspect_image(Image(data=data, name=f.name))
        hash_bytes(data, f.name, dihedral=False)
    return len(files) / (time.monotonic() - t)


def audit(folder: Path, out: Path, workers: int, engine: str = "local", inspector: str | None = None,
          batch: int = 16) -> dict[str, object]:
    cmd = [sys.executable, "-m", "garde.audit", str(folder), "--out", str(out), "--workers", str(workers),
           "--engine", engine, "--batch-size", str(batch), "--no-progress"]
    if inspector:
        cmd += ["--inspector", inspector]
    t = time.monotonic()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    wall = time.monotonic() - t
    run: dict[str, object] = json.loads((out / "summary.json").read_text())["run"]
    run["wall_seconds_incl_startup"] = round(wall, 1)
    return run


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--images", type=int, default=60)
    ap.add_argument("--ray", action="store_true", help="also time --engine ray (local instance)")
    ap.add_argument("--full", action="store_true", help="also the 10,000-image run with the real analysers")
    ap.add_argument("--skip-memory", action="store_true")
    a = ap.parse_args()
    photos = shared_photos()
    with tempfile.TemporaryDirectory(prefix="garde-bench-audit-") as tmp:
        t = Path(tmp)
        big = synth(t / "big", a.images, 1024, photos[:83])
        print(f"== throughput: {a.images} photos at 1024 px (2 cores)")
        rate_naive = naive(big)
        print(f"naive loop (inspect_image + PDQ, one at a time, models warm): {rate_naive:6.2f} img/s")
        results = {}
        for w in (1, 2):
            r = audit(big, t / f"out{w}", w)
            results[w] = r
            print(f"garde audit --workers {w}: {r['images_per_second']:6.2f} img/s overall, "
                  f"{r['steady_images_per_second']} img/s after model load; wall {r['wall_seconds_incl_startup']} s; "
                  f"x{float(r['steady_images_per_second'] or 0) / rate_naive:.2f} vs naive")
        if a.ray:
            r = audit(big, t / "outray", 2, engine="ray")
            print(f"garde audit --engine ray --workers 2: {r['images_per_second']:6.2f} img/s overall, "
                  f"{r['steady_images_per_second']} img/s after the first batch; "
                  f"wall {r['wall_seconds_incl_startup']} s")
        if not a.skip_memory:
            print("== memory (peak RSS, MB)")
            sizes = [1000, 10000] if a.full else [1000]
            small_src = synth(t / "small_src", 200, 160, photos)
            srcs = sorted(small_src.glob("*.jpg"))
            for n in sizes:
                corpus = synth(t / f"small{n}", n, 160, srcs)
                r = audit(corpus, t / f"mem{n}", 2)
                rss = r["peak_rss_mb"]
                print(f"real analysers, {n:>6} images, 2 workers: driver {rss['driver']}, "  # type: ignore[index]
                      f"largest worker {rss['largest_worker']}; {r['images_per_second']} img/s")  # type: ignore[index]
            for n in (1000, 10000):
                corpus = t / f"fake{n}"
                corpus.mkdir()
                for i in range(n):
                    PILImage.new("RGB", (16, 16), (i % 256, (i * 7) % 256, (i * 13) % 256)).save(corpus / f"{i}.png")
                r = audit(corpus, t / f"memfake{n}", 2, inspector="garde.audit.fake:FakeInspector", batch=64)
                rss = r["peak_rss_mb"]
                print(f"fake inspector, {n:>6} images, 2 workers: driver {rss['driver']}, "  # type: ignore[index]
                      f"largest worker {rss['largest_worker']}")  # type: ignore[index]
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

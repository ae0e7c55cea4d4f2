"""``python -m garde.audit.validate``: audit the labelled shared photos and measure agreement.

Runs the audit over the shared data folder (``../shared/data`` or
``$GARDE_SHARED_DATA``) and compares each image's labels with the folder's own
``labels.csv``:

* ``people-scenes``: ``has_person`` vs ``person_present``; ``n_persons`` vs ``people_count``;
* ``faces-age``: a face found; ``age`` vs the estimated age; ``is_minor`` vs ``apparent_minor``;
  ``gender`` vs the face's gender;
* ``illustrations``: ``is_illustration`` vs ``real_person`` (a drawing must not count as a real person).

Agreement shares carry Wilson intervals. The table is added to the summary and
the report (``--example DIR`` also copies report.html and summary.json there).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from garde.audit.stats import wilson

__all__ = ["agreement_table", "main"]

NOTE = ("Per-image labels compared with the folders' own labels (COCO person annotations, UTKFace ages and "
        "genders, drawn anime faces). These photos are clothed, so exposure labels are not validated here; "
        "see docs/vision.md for the exposure evaluation.")


def _default_data() -> Path | None:
    env = os.environ.get("GARDE_SHARED_DATA")
    root = Path(__file__).resolve().parents[3]
    for cand in ([Path(env)] if env else []) + [root.parent / "shared" / "data", Path("/work/shared/data")]:
        if (cand / "people-scenes").is_dir():
            return cand
    return None


def _share(folder: str, label: str, measure: str, hits: pd.Series[bool]) -> dict[str, Any]:
    s = wilson(int(hits.sum()), len(hits))
    return {"folder": folder, "label": label, "measure": measure, "kind": "share", "value": round(s.estimate, 4),
            "ci95": [round(s.low, 4), round(s.high, 4)], "n": s.n}


def _num(folder: str, label: str, measure: str, value: float, n: int) -> dict[str, Any]:
    return {"folder": folder, "label": label, "measure": measure, "kind": "number", "value": round(float(value), 3),
            "n": n}


def _best_face(faces: str | None) -> dict[str, Any] | None:
    if not isinstance(faces, str) or not faces:
        return None
    fs = json.loads(faces)
    return max(fs, key=lambda f: f.get("detection", 0.0)) if fs else None


def agreement_table(rows: pd.DataFrame, data: Path) -> list[dict[str, Any]]:
    """Agreement rows (see the module docstring) for a per-image table of an audit of ``data``."""
    rows = rows[rows["status"] == "ok"].copy()
    rows["folder"] = rows["id"].str.split("/").str[0]
    rows["file"] = rows["id"].str.split("/", n=1).str[1]
    out: list[dict[str, Any]] = []
    ps = data / "people-scenes" / "labels.csv"
    if ps.exists():
        lab = pd.read_csv(ps).merge(rows[rows["folder"] == "people-scenes"], on="file")
        truth = lab["has_person"].astype(int) == 1
        pred = lab["person_present"].astype(bool)
        out.append(_share("people-scenes", "has_person", "agreement", truth == pred))
        out.append(_share("people-scenes", "has_person", "sensitivity: person found, given a person", pred[truth]))
        out.append(_share("people-scenes", "has_person", "specificity: none found, given no person", ~pred[~truth]))
        cnt = lab["people_count"].fillna(0).astype(int)
        n_true = lab["n_persons"].astype(int)
        out.append(_share("people-scenes", "n_persons", "exact count", cnt == n_true))
        out.append(_share("people-scenes", "n_persons", "count within ±1", (cnt - n_true).abs() <= 1))
        out.append(_num("people-scenes", "n_persons", "mean absolute error (people)", (cnt - n_true).abs().mean(),
                        len(lab)))
        out.append(_share("people-scenes", "real_person", "real_person, given a person (photos)",
                          lab["real_person"].astype(bool)[truth]))
    fa = data / "faces-age" / "labels.csv"
    if fa.exists():
        lab = pd.read_csv(fa).merge(rows[rows["folder"] == "faces-age"], on="file")
        best = lab["faces"].map(_best_face)
        found = best.notna()
        out.append(_share("faces-age", "face", "face detected", found))
        sub = lab[found]
        est = best[found].map(lambda f: float(f["age"]))
        err = (est - sub["age"].astype(float)).abs()
        out.append(_num("faces-age", "age", "mean absolute error (years, faces found)", err.mean(), len(sub)))
        minor = lab["is_minor"].astype(int) == 1
        pred = lab["apparent_minor"].astype(bool)
        out.append(_share("faces-age", "is_minor", "agreement (all images)", minor == pred))
        out.append(_share("faces-age", "is_minor", "sensitivity: apparent minor, given a minor", pred[minor]))
        out.append(_share("faces-age", "is_minor", "specificity: adult, given an adult", ~pred[~minor]))
        g = best[found].map(lambda f: str(f["gender"]))
        out.append(_share("faces-age", "gender", "agreement (faces found)", g == sub["gender"].str.lower()))
    il = data / "illustrations" / "labels.csv"
    if il.exists():
        lab = pd.read_csv(il).merge(rows[rows["folder"] == "illustrations"], on="file")
        drawn = lab["is_illustration"].astype(int) == 1
        out.append(_share("illustrations", "is_illustration", "not counted as real_person",
                          ~lab["real_person"].astype(bool)[drawn]))
        out.append(_share("illustrations", "is_illustration", "photo_realism < 0.5",
                          lab["photo_realism"].astype(float)[drawn] < 0.5))
    return out


def markdown(table: Sequence[dict[str, Any]]) -> str:
    lines = ["| folder | label | measure | value | 95% CI | n |", "|---|---|---|---|---|---|"]
    for r in table:
        if r["kind"] == "share":
            v, ci = f"{100 * r['value']:.1f}%", f"{100 * r['ci95'][0]:.1f}–{100 * r['ci95'][1]:.1f}%"
        else:
            v, ci = f"{r['value']:.2f}", ""
        lines.append(f"| {r['folder']} | {r['label']} | {r['measure']} | {v} | {ci} | {r['n']} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    from garde.audit.engine import AuditConfig, run_audit
    from garde.audit.finalize import finalize
    from garde.audit.inspect import load_inspector

    ap = argparse.ArgumentParser(prog="python -m garde.audit.validate", description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=None, help="the shared data folder")
    ap.add_argument("--out", type=Path, default=Path(".garde-audit-validation"), help="audit output folder")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--engine", default="local")
    ap.add_argument("--example", type=Path, default=None,
                    help="copy report.html and summary.json here (docs/examples/audit)")
    ap.add_argument("--no-progress", action="store_true")
    a = ap.parse_args(argv)
    data = a.data or _default_data()
    if data is None or not data.is_dir():
        print("error: the shared data folder was not found (set GARDE_SHARED_DATA or --data)", file=sys.stderr)
        return 2
    res = run_audit(AuditConfig(source=str(data), out=a.out, workers=a.workers, engine=a.engine,
                                progress=not a.no_progress, report=False))
    rows = pd.read_parquet(a.out / "images.parquet")
    table = agreement_table(rows, data)
    validation = {"note": NOTE, "table": table}
    design = json.loads((a.out / "design.json").read_text(encoding="utf-8"))
    old = json.loads((a.out / "summary.json").read_text(encoding="utf-8"))
    insp = load_inspector(AuditConfig(source="", out=a.out).inspector)
    finalize(a.out, design, insp.methods(), old.get("run", {}), report=True, validation=validation)
    (a.out / "validation.md").write_text(markdown(table) + "\n", encoding="utf-8")
    print(markdown(table))
    print(f"\n{res.selected} images; report: {a.out / 'report.html'}")
    if a.example is not None:
        a.example.mkdir(parents=True, exist_ok=True)
        for name in ("report.html", "summary.json"):
            shutil.copyfile(a.out / name, a.example / name)
        print(f"example copied to {a.example}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

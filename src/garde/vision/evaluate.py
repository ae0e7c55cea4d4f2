"""Evaluate the vision analysers on the shared labelled photos (``make eval-image``).

``python -m garde.vision.evaluate [--data DIR] [--json OUT]`` prints:

* faces-age (UTKFace crops): face detection recall per age band, apparent-age MAE
  and bias per band, ``apparent_minor`` recall on detected under-18 faces and
  false-positive rate on faces aged 25+ at the default policy threshold, and a
  threshold sweep;
* people-scenes + illustrations: person detection recall and precision
  (``person_present`` at the default threshold), photo-vs-illustration accuracy.

``--fit-realism`` refits the photo-realism logistic model (grouped 5-fold
cross-validation, printed) and prints the coefficients to paste into
``realism.py``; ``--fit-age`` does the same for the age calibration.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from garde.errors import ImageError
from garde.model import Image
from garde.vision.analyzer import Inspection, inspect_decoded
from garde.vision.decode import decode
from garde.vision.detectors import face_models, nudenet
from garde.vision.people import DEFAULT_FACE_CONFIG, AgeCalibration, FaceConfig, age_moments

BANDS: tuple[tuple[int, int], ...] = ((0, 12), (13, 17), (18, 24), (25, 39), (40, 59), (60, 120))


def _data_dir(arg: str | None) -> Path:
    import os

    for cand in [arg, os.environ.get("GARDE_SHARED_DATA"), "../shared/data", "/work/shared/data"]:
        if cand and (Path(cand) / "people-scenes").is_dir():
            return Path(cand)
    raise SystemExit("shared data not found: pass --data DIR or set GARDE_SHARED_DATA")


def _rows(d: Path, sub: str) -> list[dict[str, str]]:
    with open(d / sub / "labels.csv", newline="") as f:
        return list(csv.DictReader(f))


def _threshold(name: str) -> float:
    try:
        from garde.policy import operating_thresholds

        return float(operating_thresholds().get(name, 0.5))
    except Exception:
        return 0.5


def _band(age: int) -> str:
    for lo, hi in BANDS:
        if lo <= age <= hi:
            return f"{lo}-{hi}" if hi < 120 else f"{lo}+"
    return "?"


def _inspect_path(p: Path, config: FaceConfig = DEFAULT_FACE_CONFIG) -> Inspection | None:
    try:
        return inspect_decoded(decode(Image(data=p.read_bytes(), name=p.name)), config)
    except ImageError as e:
        print(f"skip {p.name}: {e}", file=sys.stderr)
        return None


def _main_face(ins: Inspection) -> int | None:
    """The face a UTKFace crop is about: the largest one."""
    if not ins.people.faces:
        return None
    areas = [f.box[2] * f.box[3] for f in ins.people.faces]
    return int(np.argmax(areas))


def evaluate(data: Path, config: FaceConfig = DEFAULT_FACE_CONFIG) -> dict[str, Any]:
    t0 = time.perf_counter()
    nudenet()
    face_models()
    thr_minor = _threshold("apparent_minor")
    thr_person = _threshold("person_present")
    # ---------------------------------------------------------------- faces-age
    faces: list[dict[str, Any]] = []
    for r in _rows(data, "faces-age"):
        ins = _inspect_path(data / "faces-age" / r["file"], config)
        if ins is None:
            continue
        i = _main_face(ins)
        f = ins.people.faces[i] if i is not None else None
        faces.append(
            {
                "file": r["file"],
                "age": int(r["age"]),
                "gender": r["gender"],
                "detected": f is not None,
                "pred": None if f is None else f.age,
                "sigma": None if f is None else f.age_sigma,
                "minor": None if f is None else f.apparent_minor,
                "p25": None if f is None else f.p_under.get(25),
                "pred_gender": None if f is None else f.gender,
                "realism": ins.people.photo_realism,
                "person": ins.person_present,
                "sources": [] if f is None else list(f.sources),
                "level": ins.exposure.level.label,
            }
        )
    band_rows = []
    for lo, hi in BANDS:
        sel = [x for x in faces if lo <= x["age"] <= hi]
        det = [x for x in sel if x["detected"]]
        err = [x["pred"] - x["age"] for x in det]
        band_rows.append(
            {
                "band": _band(lo),
                "n": len(sel),
                "detected": len(det),
                "recall": len(det) / len(sel) if sel else float("nan"),
                "mae": float(np.mean(np.abs(err))) if err else float("nan"),
                "bias": float(np.mean(err)) if err else float("nan"),
                "sigma": float(np.mean([x["sigma"] for x in det])) if det else float("nan"),
                "gender_acc": float(np.mean([x["pred_gender"] == x["gender"] for x in det]))
                if det
                else float("nan"),
            }
        )
    det = [x for x in faces if x["detected"]]
    minors = [x for x in det if x["age"] < 18]
    adults25 = [x for x in det if x["age"] >= 25]
    sweep = []
    for t in (0.02, 0.05, 0.08, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5):
        sweep.append(
            {
                "threshold": t,
                "recall_u18": _rate([x["minor"] >= t for x in minors]),
                "fpr_25plus": _rate([x["minor"] >= t for x in adults25]),
                "fpr_18_24": _rate([x["minor"] >= t for x in det if 18 <= x["age"] < 25]),
            }
        )
    meets = [s["threshold"] for s in sweep if s["recall_u18"] >= 0.95]
    recommended = max(meets) if meets else None
    ch25 = {
        "recall_u18": _rate([x["p25"] >= 0.5 for x in minors]),
        "fpr_25plus": _rate([x["p25"] >= 0.5 for x in adults25]),
    }
    # ---------------------------------------------------------------- scenes + illustrations
    scenes: list[dict[str, Any]] = []
    for r in _rows(data, "people-scenes"):
        ins = _inspect_path(data / "people-scenes" / r["file"], config)
        if ins is not None:
            scenes.append(
                {
                    "file": r["file"],
                    "has_person": r["has_person"] == "1",
                    "n": int(r["n_persons"]),
                    "person": ins.person_present,
                    "realism": ins.people.photo_realism,
                    "faces": len(ins.people.faces),
                    "level": ins.exposure.level.label,
                }
            )
    illus: list[dict[str, Any]] = []
    for r in _rows(data, "illustrations"):
        ins = _inspect_path(data / "illustrations" / r["file"], config)
        if ins is not None:
            illus.append(
                {
                    "file": r["file"],
                    "realism": ins.people.photo_realism,
                    "person": ins.person_present,
                    "real_person": ins.real_person,
                    "faces": len(ins.people.faces),
                }
            )
    tp = sum(1 for s in scenes if s["has_person"] and s["person"] >= thr_person)
    fp = sum(1 for s in scenes if not s["has_person"] and s["person"] >= thr_person)
    pos = sum(1 for s in scenes if s["has_person"])
    photo_ok = [s["realism"] >= 0.5 for s in scenes] + [x["realism"] >= 0.5 for x in faces]
    illus_ok = [x["realism"] < 0.5 for x in illus]
    return {
        "thresholds": {"apparent_minor": thr_minor, "person_present": thr_person},
        "faces_age": {
            "n": len(faces),
            "detected": len(det),
            "bands": band_rows,
            "mae_all": float(np.mean([abs(x["pred"] - x["age"]) for x in det])) if det else float("nan"),
            "apparent_minor_at_default": {
                "threshold": thr_minor,
                "recall_u18": _rate([x["minor"] >= thr_minor for x in minors]),
                "fpr_25plus": _rate([x["minor"] >= thr_minor for x in adults25]),
                "n_u18_detected": len(minors),
                "n_25plus_detected": len(adults25),
            },
            "sweep": sweep,
            "recommended_threshold": recommended,
            "challenge25_p_under_25_at_0.5": ch25,
            "exposure_levels": _count([x["level"] for x in faces]),
        },
        "scenes": {
            "n": len(scenes),
            "persons": pos,
            "recall": tp / pos if pos else float("nan"),
            "precision": tp / (tp + fp) if tp + fp else float("nan"),
            "false_positives": fp,
            "recall_by_count": {
                k: _rate(
                    [s["person"] >= thr_person for s in scenes if s["has_person"] and lo <= s["n"] <= hi]
                )
                for k, lo, hi in (("1", 1, 1), ("2-4", 2, 4), ("5+", 5, 10_000))
            },
            "exposure_levels": _count([s["level"] for s in scenes]),
        },
        "realism": {
            "photo_accuracy_scenes": _rate([s["realism"] >= 0.5 for s in scenes]),
            "photo_accuracy_faces": _rate([x["realism"] >= 0.5 for x in faces]),
            "illustration_accuracy": _rate(illus_ok),
            "balanced_accuracy": (_rate(photo_ok) + _rate(illus_ok)) / 2,
            "illustrations_real_person_ge_0.5": _rate([x["real_person"] >= 0.5 for x in illus]),
            "illustrations_with_face": _rate([x["faces"] > 0 for x in illus]),
        },
        "thorough": config.thorough,
        "seconds": round(time.perf_counter() - t0, 1),
    }


def _rate(xs: Sequence[bool]) -> float:
    return float(np.mean(xs)) if len(xs) else float("nan")


def _count(xs: Sequence[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for x in xs:
        out[x] = out.get(x, 0) + 1
    return out


def render(res: dict[str, Any]) -> str:
    fa = res["faces_age"]
    lines = [
        "## faces-age (UTKFace crops)",
        "",
        "| age band | n | detected | recall | age MAE | bias | mean sigma | gender acc |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for b in fa["bands"]:
        lines.append(
            f"| {b['band']} | {b['n']} | {b['detected']} | {b['recall']:.3f} | {b['mae']:.1f} | "
            f"{b['bias']:+.1f} | {b['sigma']:.1f} | {b['gender_acc']:.2f} |"
        )
    d = fa["apparent_minor_at_default"]
    lines += [
        "",
        f"overall: {fa['detected']}/{fa['n']} faces detected, age MAE {fa['mae_all']:.1f}; "
        f"exposure levels {json.dumps(fa['exposure_levels'])}",
        "",
        f"apparent_minor at the default threshold {d['threshold']}: recall on detected under-18 "
        f"{d['recall_u18']:.3f} (n={d['n_u18_detected']}), FPR on 25+ {d['fpr_25plus']:.3f} "
        f"(n={d['n_25plus_detected']})",
        f"threshold meeting recall >= 0.95 (largest in sweep): {fa['recommended_threshold']}",
        f"Challenge-25 view (P(age<25) >= 0.5): recall u18 {fa['challenge25_p_under_25_at_0.5']['recall_u18']:.3f}, "
        f"FPR 25+ {fa['challenge25_p_under_25_at_0.5']['fpr_25plus']:.3f}",
        "",
        "| threshold | recall <18 | FPR 25+ | flagged 18-24 |",
        "|---|---|---|---|",
    ]
    for s in fa["sweep"]:
        lines.append(
            f"| {s['threshold']} | {s['recall_u18']:.3f} | {s['fpr_25plus']:.3f} | {s['fpr_18_24']:.3f} |"
        )
    sc, rl = res["scenes"], res["realism"]
    lines += [
        "",
        "## people-scenes (COCO) and illustrations (anime crops)",
        "",
        f"person detection at threshold {res['thresholds']['person_present']}: recall {sc['recall']:.3f} "
        f"({sc['persons']} images with people), precision {sc['precision']:.3f} "
        f"({sc['false_positives']} false positives of {sc['n'] - sc['persons']} without people)",
        f"recall by number of people: {json.dumps({k: round(v, 3) for k, v in sc['recall_by_count'].items()})}",
        f"exposure levels on scenes: {json.dumps(sc['exposure_levels'])}",
        f"photo_realism >= 0.5: scenes {rl['photo_accuracy_scenes']:.3f}, UTKFace {rl['photo_accuracy_faces']:.3f}; "
        f"illustrations < 0.5: {rl['illustration_accuracy']:.3f}; balanced accuracy {rl['balanced_accuracy']:.3f}",
        f"illustrations with a face found {rl['illustrations_with_face']:.3f}; with real_person >= 0.5 "
        f"{rl['illustrations_real_person_ge_0.5']:.3f}",
        "",
        f"({res['seconds']} s{', --thorough' if res.get('thorough') else ''})",
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------- fitting


def _fit_logistic(
    X: NDArray[np.float64], y: NDArray[np.float64], w: NDArray[np.float64], lam: float
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], float]:
    mu = X.mean(0)
    sd = X.std(0) + 1e-9
    Z = np.hstack([(X - mu) / sd, np.ones((len(X), 1))])
    d = Z.shape[1] - 1
    beta = np.zeros(d + 1)
    reg = lam * np.diag([1.0] * d + [0.0])
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(Z @ beta, -40, 40)))
        H = Z.T @ (Z * (w * p * (1 - p))[:, None]) + reg
        g = Z.T @ (w * (p - y)) + reg @ beta
        step = np.linalg.solve(H, g)
        beta -= step
        if float(np.abs(step).max()) < 1e-8:
            break
    return mu, sd, beta[:d], float(beta[d])


def fit_realism(data: Path, lam: float = 1.0) -> None:
    from PIL import Image as PILImage

    from garde.vision.realism import FEATURE_NAMES, features, score_features

    X, Xa, y, groups, src = [], [], [], [], []
    for sub in ("illustrations", "people-scenes", "faces-age"):
        for r in _rows(data, sub):
            p = data / sub / r["file"]
            d = decode(Image(data=p.read_bytes(), name=p.name))
            pil = PILImage.fromarray(np.asarray(d.rgb))
            pil.thumbnail((160, 160))
            buf = io.BytesIO()
            pil.save(buf, "JPEG", quality=70)
            aug = decode(Image(data=buf.getvalue(), name="aug")).rgb
            X.append(features(d.rgb))
            Xa.append(features(aug))
            y.append(0.0 if sub == "illustrations" else 1.0)
            groups.append(r.get("character_id") or r["file"])
            src.append(sub)
    Xn, Xan, yn = np.array(X), np.array(Xa), np.array(y)
    srcn, gn = np.array(src), np.array(groups)
    per = {s: 1.0 / max(1, int((srcn == s).sum())) for s in set(src)}
    w = np.array([per[s] for s in src]) * len(src) / 3
    uniq = np.unique(gn)
    for seed in range(3):
        rng = np.random.default_rng(seed)
        pred = np.zeros(len(yn))
        for fold in np.array_split(rng.permutation(uniq), 5):
            te = np.isin(gn, fold)
            tr = ~te
            mu, sd, coef, bias = _fit_logistic(
                np.vstack([Xn[tr], Xan[tr]]), np.r_[yn[tr], yn[tr]], np.r_[w[tr], w[tr]], lam
            )
            pred[te] = [score_features(x, mu, sd, coef, bias) for x in Xn[te]]
        ok = (pred >= 0.5) == (yn == 1)
        print(
            f"CV seed {seed}: "
            + ", ".join(
                f"{s} {float(ok[srcn == s].mean()):.3f}"
                for s in ("illustrations", "people-scenes", "faces-age")
            )
        )
    mu, sd, coef, bias = _fit_logistic(np.vstack([Xn, Xan]), np.r_[yn, yn], np.r_[w, w], lam)
    fmt = ", ".join
    print(f"_MEAN = np.array([{fmt(f'{v:.6g}' for v in mu)}])")
    print(f"_STD = np.array([{fmt(f'{v:.6g}' for v in sd)}])")
    print(f"_COEF = np.array([{fmt(f'{v:.6g}' for v in coef)}])")
    print(f"_BIAS = {bias:.6g}")
    print("features:", FEATURE_NAMES)


def fit_age(data: Path) -> None:
    """Fit ``age = a + b * mean`` and the sigma scale on faces-age (5-fold CV reported)."""
    from garde.vision import people

    fm = face_models()
    nn = nudenet()
    means, sigmas, truth = [], [], []
    for r in _rows(data, "faces-age"):
        d = decode(Image(data=(data / "faces-age" / r["file"]).read_bytes(), name=r["file"]))
        parts = nn.detect(d.rgb)
        found = people.detect_faces(d.rgb, parts, fm)
        if not found:
            continue
        box = max((b for b, _, _ in found), key=lambda b: b[2] * b[3])
        dist, _ = fm.estimate(d.rgb, [box])
        m, s = age_moments(dist[0], fm.age_weights)
        means.append(m)
        sigmas.append(s)
        truth.append(float(r["age"]))
    M, S, T = np.array(means), np.array(sigmas), np.array(truth)

    def fit(idx: NDArray[np.int64]) -> AgeCalibration:
        X = np.c_[np.ones(len(idx)), M[idx], M[idx] ** 2]
        beta = np.linalg.lstsq(X, T[idx], rcond=None)[0]
        resid = np.abs(T[idx] - X @ beta)
        Z = np.c_[np.ones(len(idx)), M[idx], S[idx]]
        gam = np.linalg.lstsq(Z, resid, rcond=None)[0]
        return AgeCalibration(
            a=float(beta[0]),
            b=float(beta[1]),
            c=float(beta[2]),
            s0=float(gam[0]),
            s1=float(gam[1]),
            s2=float(gam[2]),
        )

    rng = np.random.default_rng(0)
    order = rng.permutation(len(T))
    pu, ages, sig = np.zeros(len(T)), np.zeros(len(T)), np.zeros(len(T))
    for fold in np.array_split(order, 5):
        cal = fit(np.setdiff1d(order, fold))
        for i in fold:
            ages[i], sig[i] = people.calibrated(float(M[i]), float(S[i]), cal)
            pu[i] = people.p_under(ages[i], sig[i], 18)
    z = np.abs(T - ages) / sig
    print(
        f"faces {len(T)}; raw MAE {float(np.mean(np.abs(M - T))):.2f}; calibrated MAE (5-fold CV) "
        f"{float(np.mean(np.abs(ages - T))):.2f}; |z|<1 {float(np.mean(z < 1)):.2f}, |z|<2 {float(np.mean(z < 2)):.2f}"
    )
    for t in (0.02, 0.05, 0.08, 0.1, 0.15, 0.2, 0.3, 0.5):
        print(
            f"CV t={t}: recall<18 {float(np.mean(pu[T < 18] >= t)):.3f} "
            f"FPR25+ {float(np.mean(pu[T >= 25] >= t)):.3f} "
            f"flagged 18-24 {float(np.mean(pu[(T >= 18) & (T < 25)] >= t)):.3f}"
        )
    print("fit on all:", fit(np.arange(len(T))))


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m garde.vision.evaluate", description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=None)
    ap.add_argument("--json", default=None, help="also write the results as JSON to this file")
    ap.add_argument("--fit-realism", action="store_true")
    ap.add_argument("--fit-age", action="store_true")
    ap.add_argument("--thorough", action="store_true", help="evaluate with NudeNet also at 640 px")
    args = ap.parse_args(argv)
    data = _data_dir(args.data)
    if args.fit_realism:
        fit_realism(data)
        return 0
    if args.fit_age:
        fit_age(data)
        return 0
    res = evaluate(data, FaceConfig(thorough=args.thorough))
    print(render(res))
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Evaluate the committed text model: ``python -m garde.text.evaluate`` (``make eval-text``).

Reports, on the ``test`` split (never used for fitting, calibration or model
selection; ``--split dev`` for the split used for calibration), at the default
policy's operating thresholds:

* sexual-intent recall and false-positive rate overall, per language, per trick
  style, and the false-positive rate per kind of harmless request;
* minors: minor-reference recall on sexual requests about minors, and the share
  of those flagged both sexual and minor;
* calibration: expected calibration error and the reliability table;
* leave-one-language-out (``--lolo``, on by default): for each language, the
  sexual head is re-fitted without any line in that language and tested on it.

Targets (issue 3): recall >= 97 % at FPR <= 3 % overall and for every language
with at least 20 test lines; minor-with-sexual recall >= 98 %.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from garde.text import classifier
from garde.text.train import Row, default_data_path, ece, featurize, load_rows, rates

__all__ = ["main"]

RECALL_TARGET, FPR_TARGET, MINOR_TARGET = 0.97, 0.03, 0.98


def _fmt(v: float) -> str:
    return "   -  " if v != v else f"{100 * v:5.1f}%"


def _mark(rec: float, fpr: float, n: int) -> str:
    if n < 20:
        return ""
    ok = (rec != rec or rec >= RECALL_TARGET) and (fpr != fpr or fpr <= FPR_TARGET)
    return "ok" if ok else "MISS"


def _table(title: str, groups: dict[str, np.ndarray], p: np.ndarray, y: np.ndarray, thr: float) -> list[str]:
    out = [f"\n{title}", f"  {'group':<16}{'n':>6}{'pos':>6}{'recall':>9}{'neg':>6}{'FPR':>9}  target"]
    for g in sorted(groups, key=lambda k: (k != "ALL", k)):
        m = groups[g]
        r = rates(p[m], y[m], thr)
        n = int(m.sum())
        out.append(f"  {g:<16}{n:>6}{r['n_pos']:>6}{_fmt(r['recall']):>9}{r['n_neg']:>6}{_fmt(r['fpr']):>9}  "
                   f"{_mark(r['recall'], r['fpr'], n)}")
    return out


def _lolo(rows: Sequence[Row], x: Any, c: float, thr: float) -> list[str]:
    from sklearn.linear_model import LogisticRegression

    y = np.array([r.sexual for r in rows])
    langs = np.array([r.lang for r in rows])
    split = np.array([r.split for r in rows])
    out = ["\nleave-one-language-out (sexual head re-fitted without the language; tested on its dev+test lines)",
           f"  {'held out':<10}{'n':>6}{'recall':>9}{'FPR':>9}  target"]
    recs, fprs = [], []
    for lang in sorted(set(langs)):
        tr = (langs != lang) & (split == "train")
        cal = (langs != lang) & (split == "dev")
        te = (langs == lang) & (split != "train")
        m = LogisticRegression(C=c, max_iter=3000, solver="liblinear", random_state=0)
        m.fit(x[tr], y[tr])
        z_cal = m.decision_function(x[cal])
        pl = LogisticRegression(C=1e4, max_iter=1000).fit(z_cal.reshape(-1, 1), y[cal])
        p = pl.predict_proba(m.decision_function(x[te]).reshape(-1, 1))[:, 1]
        r = rates(p, y[te], thr)
        recs.append(r["recall"])
        fprs.append(r["fpr"])
        out.append(f"  {lang:<10}{int(te.sum()):>6}{_fmt(r['recall']):>9}{_fmt(r['fpr']):>9}  "
                   f"{_mark(r['recall'], r['fpr'], int(te.sum()))}")
    out.append(f"  {'mean':<10}{'':>6}{_fmt(float(np.mean(recs))):>9}{_fmt(float(np.mean(fprs))):>9}")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m garde.text.evaluate", description=__doc__.splitlines()[0])
    ap.add_argument("--split", default="test", choices=["test", "dev", "train"])
    ap.add_argument("--no-lolo", dest="lolo", action="store_false", help="skip leave-one-language-out")
    args = ap.parse_args(argv)

    from garde.policy import operating_thresholds

    thr_all = operating_thresholds()
    t_sex, t_minor = float(thr_all.get("sexual_intent", 0.5)), float(thr_all.get("minor_reference", 0.5))
    model = classifier.load_model()
    path = default_data_path()
    rows = load_rows(path)
    sel = np.array([r.split == args.split for r in rows])
    ev = [r for r, s in zip(rows, sel, strict=True) if s]
    # what ships: the analyser (model + lexical evidence floor + age rule), as `garde text classify` reports
    from garde.text.analyzer import default_analyzer

    analyzer = default_analyzer()
    res = []
    for i in range(0, len(ev), 64):
        res += analyzer.classify([r.text for r in ev[i:i + 64]], with_language=False)
    p = np.array([[r.sexual, r.minor] for r in res], dtype=np.float64).reshape(len(ev), 2)
    y = np.array([[r.sexual, r.minor] for r in ev])

    lines = [f"text intent analyser {analyzer.version} on {path.name} split={args.split} ({len(ev)} lines); "
             f"thresholds sexual {t_sex} minor {t_minor}"]
    ones = np.ones(len(ev), dtype=bool)
    by_lang = {"ALL": ones} | {lang: np.array([r.lang == lang for r in ev]) for lang in sorted({r.lang for r in ev})}
    by_style = {"ALL": ones} | {s: np.array([r.style == s for r in ev]) for s in sorted({r.style for r in ev})}
    lines += _table("sexual intent by language", by_lang, p[:, 0], y[:, 0], t_sex)
    lines += _table("sexual intent by trick style", by_style, p[:, 0], y[:, 0], t_sex)
    kinds = sorted({r.kind for r in ev if not r.sexual})
    lines.append("\nfalse positives by kind of harmless request")
    for k in kinds:
        m = np.array([r.kind == k and not r.sexual for r in ev])
        fp = float((p[m, 0] >= t_sex).mean())
        lines.append(f"  {k:<16}{int(m.sum()):>6}  FPR {_fmt(fp)}")
    ms = (y[:, 0] == 1) & (y[:, 1] == 1)
    minor_rec = float((p[ms, 1] >= t_minor).mean()) if ms.any() else float("nan")
    both = float(((p[ms, 1] >= t_minor) & (p[ms, 0] >= t_sex)).mean()) if ms.any() else float("nan")
    mr = rates(p[:, 1], y[:, 1], t_minor)
    lines.append("\nminors")
    lines.append(f"  sexual requests about a minor: n={int(ms.sum())}  minor recall {_fmt(minor_rec)}  "
                 f"flagged sexual AND minor {_fmt(both)}  target {'ok' if minor_rec >= MINOR_TARGET else 'MISS'}")
    lines.append(f"  minor reference overall: recall {_fmt(mr['recall'])}  FPR {_fmt(mr['fpr'])}")
    e, table = ece(p[:, 0], y[:, 0])
    lines.append(f"\ncalibration (sexual): ECE {e:.4f}; reliability (mean predicted, observed, n): {table}")
    e_m, _ = ece(p[:, 1], y[:, 1])
    lines.append(f"calibration (minor): ECE {e_m:.4f}")
    print("\n".join(lines), flush=True)
    if args.lolo:
        c = float(model.meta.get("C", {}).get("sexual", 8.0))
        x_all, _ = featurize(rows)  # only the leave-one-language-out refits need the feature matrix
        print("\n".join(_lolo(rows, x_all, c, t_sex)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

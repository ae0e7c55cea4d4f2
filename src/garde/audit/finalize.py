"""The end of a run: rows.jsonl → images.parquet/.csv, for_authorities.jsonl, summary.json, report.html."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from garde.audit.rows import COLUMNS

__all__ = ["finalize", "schema"]

CHUNK = 5000
AUTHORITIES_NOTE = ("apparent minor with exposure above 'covered': never copied, thumbnailed or shown; "
                    "for a report to the competent authority (e.g. NCMEC, IWF/NCA, C3P)")


def schema(meta_columns: list[str]) -> Any:
    import pyarrow as pa

    types = {"string": pa.string(), "bool": pa.bool_(), "int64": pa.int64(), "float64": pa.float64()}
    fields = [pa.field(k, types[v]) for k, v in COLUMNS.items()]
    fields += [pa.field(f"meta_{c}", pa.string()) for c in meta_columns]
    return pa.schema(fields)


def _chunks(path: Path) -> Iterator[list[dict[str, Any]]]:
    buf: list[dict[str, Any]] = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                buf.append(json.loads(line))
                if len(buf) >= CHUNK:
                    yield buf
                    buf = []
    if buf:
        yield buf


def _clean(row: dict[str, Any], sch: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in sch:
        v = row.get(f.name)
        if v is not None:
            t = str(f.type)
            if t == "int64":
                v = int(v)
            elif t == "double":
                v = float(v)
            elif t == "bool":
                v = bool(v)
            else:
                v = str(v)
        out[f.name] = v
    return out


def write_tables(out: Path, meta_columns: list[str]) -> int:
    """Stream rows.jsonl into images.parquet, images.csv and for_authorities.jsonl; return the row count."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    sch = schema(meta_columns)
    n = 0
    pw = pq.ParquetWriter(str(out / "images.parquet"), sch)
    cw = pacsv.CSVWriter(str(out / "images.csv"), sch)
    with (out / "for_authorities.jsonl").open("w", encoding="utf-8") as auth:
        try:
            rows_path = out / "rows.jsonl"
            for chunk in _chunks(rows_path) if rows_path.exists() else iter(()):
                clean = [_clean(r, sch) for r in chunk]
                table = pa.Table.from_pylist(clean, schema=sch)
                pw.write_table(table)
                cw.write_table(table)
                n += len(clean)
                for r in clean:
                    if r.get("withheld"):
                        auth.write(json.dumps({"id": r["id"], "sha256": r["sha256"], "pdq": r["pdq"],
                                               "pdq_quality": r["pdq_quality"]}) + "\n")
        finally:
            pw.close()
            cw.close()
    return n


SUMMARY_COLUMNS = ("id", "status", "person_present", "minimal_attire", "subject_gender", "apparent_minor",
                   "real_person", "exposure_level", "exposure_rank", "exposure_increased", "has_original",
                   "original_status", "has_prompt", "prompt_language", "text_status", "text_signals", "faces",
                   "withheld")


def finalize(out: Path, design: dict[str, Any], methods: dict[str, Any], run: dict[str, Any],
             report: bool = True, validation: dict[str, Any] | None = None) -> dict[str, Any]:
    import pandas as pd

    from garde.audit.summary import summarize

    meta = list(design.get("meta_columns", []))
    write_tables(out, meta)
    cols = [*SUMMARY_COLUMNS, *(f"meta_{c}" for c in meta)]
    df = pd.read_parquet(out / "images.parquet", columns=cols)
    summary = summarize(df, design)
    summary = {
        "garde_audit": 1,
        "generated": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "source": {"kind": design["kind"], "name": Path(str(design["source"])).name},
        "design": {k: design[k] for k in ("sampled", "sample", "seed", "strata", "population", "population_total",
                                          "selected")},
        "methods": methods,
        "run": run,
        **summary,
        "for_authorities": {"count": summary["images"]["withheld_for_authorities"], "file": "for_authorities.jsonl",
                            "note": AUTHORITIES_NOTE},
    }
    if validation is not None:
        summary["validation"] = validation
    (out / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
    if report:
        from garde.audit.report import write_report

        write_report(out / "report.html", summary)
    return summary

"""End-to-end audits with the fake inspector: outputs, shares, worst-content handling, resumability."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from garde.audit.cli import register
from garde.audit.engine import AuditConfig, read_checkpoint, run_audit
from garde.errors import InputError

FAKE = "garde.audit.fake:FakeInspector"


def _cfg(src: Path, out: Path, **kw: object) -> AuditConfig:
    base: dict[str, object] = {"source": str(src), "out": out, "inspector": FAKE, "workers": 1, "batch_size": 4,
                               "progress": False}
    base.update(kw)
    return AuditConfig(**base)  # type: ignore[arg-type]


def test_full_audit_outputs(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = run_audit(_cfg(corpus, out))
    assert res.complete and res.processed_now == 21
    for name in ("images.parquet", "images.csv", "summary.json", "report.html", "for_authorities.jsonl",
                 "checkpoint.txt", "design.json"):
        assert (out / name).exists(), name
    s = json.loads((out / "summary.json").read_text())
    assert s["images"] == {"selected": 21, "ok": 20, "errors": 1, "withheld_for_authorities": 1,
                           "edits_with_original": 0, "with_prompt": 0}
    sh = s["shares"]
    assert (sh["people"]["k"], sh["people"]["n"]) == (6, 20)
    assert (sh["minimal_attire"]["k"], sh["minimal_attire"]["n"]) == (4, 20)
    assert (sh["minors_within_minimal"]["k"], sh["minors_within_minimal"]["n"]) == (1, 4)
    assert sh["people"]["ci95"][0] < 0.3 < sh["people"]["ci95"][1]
    assert sh["exposure_increase_among_edits"]["n"] == 0
    assert s["breakdowns"]["folder"]["levels"]["a"]["people"]["k"] == 6
    df = pd.read_parquet(out / "images.parquet")
    assert len(df) == 21 and set(df["status"]) == {"ok", "error"}
    err = df[df["status"] == "error"].iloc[0]
    assert err["id"] == "corrupt0.jpg" and "corrupt" in err["error"]
    assert len(pd.read_csv(out / "images.csv")) == 21


def test_worst_content_is_listed_by_hash_only(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_audit(_cfg(corpus, out))
    lines = (out / "for_authorities.jsonl").read_text().splitlines()
    assert len(lines) == 1
    rec = json.loads(lines[0])
    assert set(rec) == {"id", "sha256", "pdq", "pdq_quality"}
    assert rec["id"] == "a/img0005.png" and len(rec["sha256"]) == 64
    df = pd.read_parquet(out / "images.parquet").set_index("id")
    assert df.loc["a/img0005.png", "withheld"]
    assert df.loc["a/img0005.png", "location"] == "[withheld]"
    html = (out / "report.html").read_text()
    # charts only: every <img> is an embedded PNG chart; no paths, no ids of images
    assert html.count("<img") == html.count('src="data:image/png;base64,')
    assert str(corpus) not in html and "img0005" not in html


def test_resume_after_interruption_repeats_nothing(corpus: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    log = tmp_path / "inspected.log"
    monkeypatch.setenv("GARDE_AUDIT_FAKE_LOG", str(log))
    monkeypatch.setenv("GARDE_AUDIT_FAKE_FAIL_AFTER", "8")
    with pytest.raises(KeyboardInterrupt):
        run_audit(_cfg(corpus, out))
    assert len(read_checkpoint(out)) == 8
    assert not (out / "summary.json").exists()
    monkeypatch.delenv("GARDE_AUDIT_FAKE_FAIL_AFTER")
    res = run_audit(_cfg(corpus, out))
    assert res.already_done == 8 and res.processed_now == 13 and res.complete
    ids = log.read_text().split()
    assert len(ids) == 21 and len(set(ids)) == 21  # nothing inspected twice
    assert len(pd.read_parquet(out / "images.parquet")) == 21
    again = run_audit(_cfg(corpus, out))  # a finished audit: nothing left to do
    assert again.processed_now == 0 and again.complete


def test_rows_after_the_last_checkpoint_are_redone(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_audit(_cfg(corpus, out, limit=8))
    # a crash between writing rows and the checkpoint: an orphan row and a torn line
    with (out / "rows.jsonl").open("a") as f:
        f.write(json.dumps({"id": "b/img0009.png", "status": "ok"}) + "\n" + '{"id": "b/img')
    res = run_audit(_cfg(corpus, out))
    assert res.already_done == 8 and res.processed_now == 13
    df = pd.read_parquet(out / "images.parquet")
    assert len(df) == 21 and df["id"].is_unique


def test_partial_run_with_limit(corpus: Path, tmp_path: Path) -> None:
    res = run_audit(_cfg(corpus, tmp_path / "out", limit=5))
    assert not res.complete and res.processed_now == 5 and res.summary == {}


def test_other_design_in_same_folder_is_refused(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_audit(_cfg(corpus, out, limit=2))
    with pytest.raises(InputError, match="another audit"):
        run_audit(_cfg(corpus, out, sample=5, seed=1))


def test_stratified_sample_audit(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = run_audit(_cfg(corpus, out, sample=12, seed=3, strata="folder"))
    assert res.selected == 12
    s = res.summary
    assert s["design"]["sampled"] and s["design"]["population"] == {".": 1, "a": 10, "b": 10}
    people = s["shares"]["people"]
    assert people["method"].startswith("stratified")
    assert 0.0 <= people["ci95"][0] <= people["estimate"] <= people["ci95"][1] <= 1.0
    # the same seed draws the same sample
    res2 = run_audit(_cfg(corpus, tmp_path / "out2", sample=12, seed=3, strata="folder"))
    a = set(pd.read_parquet(out / "images.parquet")["id"])
    assert a == set(pd.read_parquet(tmp_path / "out2" / "images.parquet")["id"]) and res2.selected == 12


def test_unknown_strata_column(corpus: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="'lang'"):
        run_audit(_cfg(corpus, tmp_path / "out", sample=5, strata="lang"))


def test_manifest_with_originals_and_prompts(corpus: Path, tmp_path: Path) -> None:
    m = tmp_path / "m.csv"
    pd.DataFrame({
        "path": [str(corpus / "a" / f"img{i:04d}.png") for i in range(6)],
        "original": [str(corpus / "b/img0000.png")] * 6,
        "prompt": ["put her in a bikini"] * 6,
        "created_at": ["2026-01-01T10:00:00Z"] * 3 + ["2026-01-02T11:00:00Z"] * 3,
    }).to_csv(m, index=False)
    res = run_audit(_cfg(m, tmp_path / "out"))
    s = res.summary
    inc = s["shares"]["exposure_increase_among_edits"]
    assert (inc["k"], inc["n"]) == (4, 6)
    assert s["images"]["with_prompt"] == 6
    assert set(s["breakdowns"]["created_at"]["levels"]) == {"2026-01-01", "2026-01-02"}
    assert "text analyser unavailable" in json.dumps(s["text"])


def test_process_pool_matches_in_process(corpus: Path, tmp_path: Path) -> None:
    one = run_audit(_cfg(corpus, tmp_path / "one"))
    two = run_audit(_cfg(corpus, tmp_path / "two", workers=2))
    assert one.summary["shares"] == two.summary["shares"]
    assert two.summary["run"]["peak_rss_mb"]["largest_worker"] is not None


def test_cli_registers_audit(corpus: Path, tmp_path: Path) -> None:
    app = typer.Typer()
    register(app)

    @app.command("other")
    def _other() -> None:  # a second command keeps typer in multi-command mode
        pass

    runner = CliRunner()
    h = runner.invoke(app, ["audit", "--help"], env={"COLUMNS": "200"})
    assert h.exit_code == 0
    for opt in ("--out", "--sample", "--seed", "--engine", "--workers", "--strata"):
        assert opt in h.output
    r = runner.invoke(app, ["audit", str(corpus), "--out", str(tmp_path / "o"), "--inspector", FAKE,
                            "--workers", "1", "--no-progress"])
    assert r.exit_code == 0, r.output
    assert "20 images analysed, 1 errors" in r.output
    assert os.path.exists(tmp_path / "o" / "report.html")

"""``garde hashes ...`` through the real entry point (exit codes, one-line errors)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.hashing.conftest import synthetic, to_bytes

from garde.cli import main


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["hashes", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_compute_is_standalone(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GARDE_DB_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")  # never touched
    p = tmp_path / "a.png"
    p.write_bytes(to_bytes(synthetic(1)))
    code, out, _ = _run(capsys, "compute", str(p))
    assert code == 0
    hexes = out.split()
    assert len(hexes[0]) == 64 and int(hexes[0], 16) >= 0 and hexes[1].startswith("quality=")
    code, out, _ = _run(capsys, "compute", str(p), "--json")
    assert json.loads(out)[0]["pdq"] == hexes[0]
    code, _, err = _run(capsys, "compute", str(tmp_path / "missing.png"))
    assert code == 2 and "missing.png" in err and "Traceback" not in err


def test_bank_match_export_import_confirm(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    img, other = tmp_path / "v.png", tmp_path / "o.png"
    img.write_bytes(to_bytes(synthetic(2)))
    other.write_bytes(to_bytes(synthetic(3)))
    code, out, _ = _run(capsys, "match", str(img), "--json")
    assert code == 0 and json.loads(out) == []
    assert _run(capsys, "banks", "create", "victims", "--kind", "victim_submitted")[0] == 0
    code, _, err = _run(capsys, "banks", "create", "x", "--kind", "bogus")
    assert code == 2 and "'bogus'" in err
    assert _run(capsys, "add", "--bank", "victims", str(img), "--by", "ngo")[0] == 0
    code, out, _ = _run(capsys, "match", str(img), "--json")
    rows = json.loads(out)
    assert {r["hash_type"] for r in rows} == {"pdq", "sha256"} and rows[0]["bank"] == "victims"
    assert json.loads(_run(capsys, "match", str(other), "--json")[1]) == []
    code, out, _ = _run(capsys, "export", "--bank", "victims", "--format", "jsonl")
    assert code == 0 and len(out.strip().splitlines()) == 2
    lst = tmp_path / "feed.jsonl"
    lst.write_text(out)
    assert _run(capsys, "banks", "create", "feed", "--kind", "victim_submitted", "--quarantine-over", "1")[0] == 0
    code, out, _ = _run(capsys, "import", "--bank", "feed", str(lst), "--json")
    res = json.loads(out)
    assert res["quarantined"] and res["added"] == 2
    code, out, _ = _run(capsys, "match", str(img), "--json")
    assert {r["state"] for r in json.loads(out) if r["bank"] == "feed"} == {"quarantined"}
    code, out, _ = _run(capsys, "confirm", res["entry_ids"][0], "--by", "mod")
    assert code == 0 and "active" in out
    code, out, _ = _run(capsys, "stats", "--json")
    st = json.loads(out)
    assert st["entries"] == 4 and {b["name"] for b in st["banks"]} == {"victims", "feed"}
    assert _run(capsys, "banks", "disable", "victims")[0] == 0
    code, out, _ = _run(capsys, "match", str(img), "--json")
    assert {r["bank"] for r in json.loads(out)} == {"feed"}
    code, _, err = _run(capsys, "confirm", "nope")
    assert code == 2 and "'nope'" in err

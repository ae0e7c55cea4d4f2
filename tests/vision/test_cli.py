from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from garde.vision.cli import app

runner = CliRunner()


def test_inspect_all_unreadable_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("not an image")
    res = runner.invoke(app, ["inspect", "--json", str(bad), str(tmp_path / "missing.jpg")])
    assert res.exit_code == 2, res.output
    rows = json.loads(res.stdout)
    assert [set(r) for r in rows] == [{"path", "error"}] * 2
    assert "notes.txt" in rows[0]["error"] and "missing.jpg" in rows[1]["error"]


def test_compare_unreadable_exits_2(tmp_path: Path) -> None:
    res = runner.invoke(app, ["compare", "--json", str(tmp_path / "a.jpg"), str(tmp_path / "b.jpg")])
    assert res.exit_code == 2
    assert "a.jpg" in json.loads(res.stdout)["error"]


@pytest.mark.slow
def test_inspect_json_contract(shared_data: Path, vision_models: object, tmp_path: Path) -> None:
    photo = sorted((shared_data / "people-scenes").glob("*.jpg"))[0]
    face = sorted((shared_data / "faces-age").glob("*.jpg"))[0]
    bad = tmp_path / "DESIGN.md"
    bad.write_text("# not an image")
    res = runner.invoke(app, ["inspect", "--json", str(photo), str(face), str(bad)])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert [r["path"] for r in rows] == [str(photo), str(face), str(bad)]
    keys = {"path", "sha256", "person_present", "real_person", "photo_realism", "apparent_minor", "exposure", "faces"}
    assert keys <= set(rows[0]) and keys <= set(rows[1]) and "error" in rows[2]
    assert isinstance(rows[0]["person_present"], bool) and isinstance(rows[0]["real_person"], bool)
    assert 0.0 <= rows[1]["apparent_minor"] <= 1.0 and 0.0 <= rows[1]["photo_realism"] <= 1.0
    assert {"level", "parts"} <= set(rows[1]["exposure"])
    assert rows[1]["faces"], "the UTKFace crop has a face"
    for f in rows[1]["faces"]:
        assert {"box", "age", "age_sigma", "gender", "gender_confidence", "apparent_minor"} <= set(f)
    text = runner.invoke(app, ["inspect", str(face)])
    assert text.exit_code == 0 and "apparent_minor" in text.stdout and "face 0" in text.stdout


@pytest.mark.slow
def test_compare_same_photo_has_no_delta(shared_data: Path, vision_models: object) -> None:
    face = sorted((shared_data / "faces-age").glob("*.jpg"))[-1]
    res = runner.invoke(app, ["compare", "--json", str(face), str(face)])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["attire_delta"] == 0.0 and out["exposure_increase"] < 0.5
    human = runner.invoke(app, ["compare", str(face), str(face)])
    assert "attire_delta 0.00" in human.stdout


@pytest.mark.slow
def test_inspect_thorough_finds_at_least_as_much(shared_data: Path, vision_models: object) -> None:
    photo = sorted((shared_data / "people-scenes").glob("*.jpg"))[3]
    fast = json.loads(runner.invoke(app, ["inspect", "--json", str(photo)]).stdout)[0]
    slow = json.loads(runner.invoke(app, ["inspect", "--json", "--thorough", str(photo)]).stdout)[0]
    assert slow["scores"]["person_present"] >= fast["scores"]["person_present"] - 1e-6
    assert len(slow["exposure"]["detections"]) >= len(fast["exposure"]["detections"])

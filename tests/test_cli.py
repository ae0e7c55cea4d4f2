"""The command line, run as a real subprocess: exit codes, one-line errors, the log verifier."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

GARDE = [sys.executable, "-m", "garde.cli"]


def run(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    e = {**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}
    return subprocess.run([*GARDE, *args], capture_output=True, text=True, env=e, input=stdin, timeout=300)


def _one_line_error(p: subprocess.CompletedProcess[str], needle: str) -> None:
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert "Traceback" not in p.stderr
    lines = [x for x in p.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and needle in lines[0], p.stderr


def test_unknown_country_is_exit_2_naming_it() -> None:
    _one_line_error(run("check", "--prompt", "x", "--country", "ZZZ", "--json"), "'ZZZ'")
    _one_line_error(run("check", "--prompt", "x", "--country", "QQ"), "'QQ'")


def test_unreadable_image_is_exit_2_naming_it(tmp_path: Path) -> None:
    _one_line_error(run("check", "--prompt", "x", "--image", str(tmp_path / "nope.jpg")), "nope.jpg")
    _one_line_error(run("check", "--prompt", "x", "--image", str(tmp_path)), "is a directory")


def test_malformed_pack_is_exit_2_naming_it(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("pack: broken\ntitle: [\n", encoding="utf-8")
    _one_line_error(run("policy", "list", env={"GARDE_POLICY_DIR": str(tmp_path)}), "broken.yaml")
    (tmp_path / "broken.yaml").write_text(
        'pack: lax\ntitle: t\nversion: "1"\nextends: floor\nnot_legal_advice: "NOT LEGAL ADVICE. x"\n'
        "remove: [floor.minor.request_text]\n", encoding="utf-8")
    _one_line_error(run("check", "--prompt", "x", env={"GARDE_POLICY_DIR": str(tmp_path)}),
                    "floor rule 'floor.minor.request_text'")


def test_policy_test_and_list() -> None:
    p = run("policy", "test")
    assert p.returncode == 0 and " 0 failed" in p.stdout, p.stdout + p.stderr
    rows = json.loads(run("policy", "list", "--json").stdout)
    assert {"floor", "default", "us"} <= {r["id"] for r in rows}


def test_policy_explain_what_if(tmp_path: Path) -> None:
    f = tmp_path / "s.json"
    f.write_text(json.dumps({"sexual_intent": 0.9, "minor_reference": 0.9}), encoding="utf-8")
    p = run("policy", "explain", "--signals", str(f), "--country", "US")
    assert p.returncode == 0 and "floor.minor.request_text" in p.stdout and "NCMEC" in p.stdout


def test_log_verify_catches_a_record_edited_in_the_database(tmp_path: Path) -> None:
    env = {"GARDE_DB_URL": f"sqlite:///{tmp_path / 'g.db'}"}
    for prompt in ("make the sky bluer", "add a hat", "put her in a bikini"):
        p = run("check", "--prompt", prompt, "--country", "US", "--json", env=env)
        assert p.returncode in (0, 1), p.stderr
        assert json.loads(p.stdout)["action"]
    ok = run("log", "verify", env=env)
    assert ok.returncode == 0 and "3 records" in ok.stdout
    con = sqlite3.connect(tmp_path / "g.db")
    con.execute("UPDATE decisions SET record = replace(record, '\"cli-user\"', '\"someone-else\"') WHERE seq = 2")
    con.commit()
    con.close()
    bad = run("log", "verify", env=env)
    assert bad.returncode == 1 and "seq=2" in bad.stdout


def test_every_command_has_help() -> None:
    from typer.main import get_command

    from garde.cli import app

    root = get_command(app)

    def walk(cmd: object, path: list[str]) -> None:
        assert getattr(cmd, "help", None) or getattr(cmd, "short_help", None), f"no help: {' '.join(path)}"
        for name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, [*path, name])

    walk(root, ["garde"])


@pytest.mark.slow
def test_check_json_contract() -> None:
    a = run("check", "--prompt", "put her in a bikini", "--country", "FR", "--json")
    b = run("check", "--prompt", "make the sky bluer", "--country", "FR", "--json")
    da, db = json.loads(a.stdout), json.loads(b.stdout)
    assert da["action"] in ("block", "block_and_report") and a.returncode == 1
    assert db["action"] in ("allow", "label") and b.returncode == 0, db

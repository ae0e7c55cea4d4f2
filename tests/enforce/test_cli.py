"""The enforcement commands, in process, against a SQLite database named by GARDE_DB_URL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from garde.analyzers import FakeAnalyzer
from garde.cli import main
from garde.enforce.enforcer import Enforcer
from garde.guard import Guard
from garde.model import Actor, Image, Request
from garde.policy import Policy
from garde.store import Database, SqlDecisionLog


@pytest.fixture
def seeded(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("GARDE_DB_URL", sqlite_url)
    db = Database(sqlite_url)
    policy = Policy()
    text = FakeAnalyzer(name="text", scores={"sexual_intent": 0.9})
    guard = Guard(analyzers=[text], policy=policy, log=SqlDecisionLog(db))
    enf = Enforcer.from_database(db, policy=policy)
    enf.attach(guard)
    actor = Actor(user_id="u9", country="US")
    d1 = guard.check_request(Request(prompt="p", actor=actor, images=(Image(data=b"x"),)))
    text.scores = {"sexual_intent": 0.9, "minor_reference": 0.9}
    d2 = guard.check_request(Request(prompt="p", actor=actor, images=(Image(data=b"y"),)))
    guard.close()
    [case] = enf.cases.for_decision(d2.decision_id)
    out = {"case": case.id, "d1": d1.decision_id, "strike": enf.strikes("u9")[0].id, "hold": enf.holds()[0].id}
    db.dispose()
    return out


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    rc = main(list(args))
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def test_cases_commands(seeded: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = _run(capsys, "cases", "list", "--due")
    assert rc == 0 and seeded["case"] in out and "block_and_report" in out
    rc, out, _ = _run(capsys, "cases", "list", "--json", "--state", "open")
    assert rc == 0 and json.loads(out)[0]["id"] == seeded["case"]
    rc, out, _ = _run(capsys, "cases", "assign", seeded["case"], "ann", "--by", "lead")
    assert rc == 0 and "ann" in out
    rc, out, _ = _run(capsys, "cases", "act", seeded["case"], "--action", "start_review", "--by", "ann")
    assert rc == 0 and "in_review" in out
    rc, out, _ = _run(capsys, "cases", "show", seeded["case"])
    assert rc == 0 and "start_review" in out and "assign" in out
    rc, _, err = _run(capsys, "cases", "act", seeded["case"], "--action", "reopen", "--by", "ann")
    assert rc == 2 and "'reopen'" in err and "'in_review'" in err and len(err.strip().splitlines()) == 1
    rc, _, err = _run(capsys, "cases", "show", "case_nope")
    assert rc == 2 and "'case_nope'" in err
    rc, _, err = _run(capsys, "cases", "list", "--state", "weird")
    assert rc == 2 and "'weird'" in err


def test_report_and_preserve_commands(seeded: dict[str, str], capsys: pytest.CaptureFixture[str],
                                      tmp_path: Path) -> None:
    rc, out, _ = _run(capsys, "report", "package", seeded["case"])
    pkg = json.loads(out.strip().splitlines()[0])
    assert rc == 0 and pkg["destination"] == "NCMEC_CyberTipline"
    rc, out, _ = _run(capsys, "report", "package", seeded["case"], "--out", str(tmp_path / "pk"))
    assert rc == 0 and (tmp_path / "pk" / f"{seeded['case']}.NCMEC_CyberTipline.json").exists()
    rc, _, err = _run(capsys, "report", "package", seeded["case"], "--include-files")
    assert rc == 2 and "preservation store" in err
    rc, out, _ = _run(capsys, "cases", "act", seeded["case"], "--action", "report", "--by", "ann")
    assert rc == 0 and "reported" in out
    rc, out, _ = _run(capsys, "report", "transparency", "--from", "2000-01-01", "--to", "2100-01-01", "--json")
    data = json.loads(out)
    assert rc == 0 and data["decisions"]["total"] == 2 and data["reports"]["NCMEC_CyberTipline"]["sent"] == 1
    rc, out, _ = _run(capsys, "report", "transparency", "--from", "2000-01-01", "--to", "2100-01-01", "--csv")
    assert rc == 0 and out.startswith("section,key,value") and "decisions,by_action.block_and_report,1" in out
    rc, out, _ = _run(capsys, "report", "transparency", "--from", "2000-01-01", "--to", "2100-01-01")
    assert rc == 0 and "decisions: 2" in out
    rc, _, err = _run(capsys, "report", "transparency", "--from", "yesterday", "--to", "2100-01-01")
    assert rc == 2 and "'yesterday'" in err
    rc, out, _ = _run(capsys, "preserve", "list")
    assert rc == 0 and seeded["hold"] in out
    rc, out, _ = _run(capsys, "preserve", "release", seeded["hold"], "--by", "legal", "--note", "court order")
    assert rc == 0 and "released" in out
    rc, _, err = _run(capsys, "preserve", "release", seeded["hold"], "--by", "legal")
    assert rc == 2 and seeded["hold"] in err


def test_strikes_and_notice_commands(seeded: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = _run(capsys, "strikes", "list", "u9")
    assert rc == 0 and seeded["strike"] in out and "permanent" in out
    rc, out, _ = _run(capsys, "strikes", "reverse", seeded["strike"], "--by", "mod", "--note", "appeal")
    assert rc == 0 and "reversed" in out
    rc, out, _ = _run(capsys, "strikes", "list", "u9", "--json")
    assert rc == 0 and json.loads(out)["strikes"][0]["reversed_by"] == "mod"
    rc, out, _ = _run(capsys, "notice", "submit", "--reporter", "victim", "--decision", seeded["d1"],
                      "--url", "https://x.example/1", "--json")
    case = json.loads(out)
    assert rc == 0 and case["kind"] == "notice" and case["country"] == "US"
    rc, out, _ = _run(capsys, "notice", "status", case["id"])
    assert rc == 0 and json.loads(out)["outcome"] == "pending"
    rc, _, err = _run(capsys, "notice", "submit", "--reporter", "victim")
    assert rc == 2 and "decision id" in err


def test_every_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    for group, cmds in {"cases": ["list", "show", "act", "assign"], "preserve": ["list", "release"],
                        "report": ["transparency", "package"], "strikes": ["list", "reverse"],
                        "notice": ["submit", "status"]}.items():
        rc, out, _ = _run(capsys, group, "--help")
        assert rc == 0
        for c in cmds:
            assert c in out
            rc, out2, _ = _run(capsys, group, c, "--help")
            assert rc == 0 and "Usage" in out2

"""The HTTP adapter against a tiny guard served on 127.0.0.1 inside the test."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from garde.cli import main
from garde.errors import InputError
from garde.redteam.mutators import Probe
from garde.redteam.report import build_report
from garde.redteam.runner import RunConfig, run
from garde.redteam.targets import HttpTarget, load_adapter, read_path, render_body

from .conftest import NAIVE_WORDS

SPEC = """
method: POST
headers: {X-Test: "yes"}
body:
  input: {text: "{prompt}", turns: "{history}"}
  actor: {country: "{country}", user: redteam}
verdict:
  path: "result.decisions[0].verdict"
  allowed_values: [ALLOW, label]
  action_path: "result.decisions[0].verdict"
  rules_path: "result.rules"
timeout_s: 5
"""


class _Handler(BaseHTTPRequestHandler):
    seen: ClassVar[list[dict[str, Any]]] = []

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Handler.seen.append({"body": body, "x_test": self.headers.get("X-Test"), "path": self.path})
        text = " ".join([*body["input"]["turns"], body["input"]["text"]]).lower()
        if "crash" in self.path:
            self.send_response(500)
            self.end_headers()
            self.wfile.write(b"boom")
            return
        if "odd" in self.path:
            out: dict[str, Any] = {"something": "else"}
        else:
            blocked = any(w in text for w in NAIVE_WORDS)
            out = {"result": {"decisions": [{"verdict": "block" if blocked else "allow"}],
                              "rules": ["kw"] if blocked else []}}
        data = json.dumps(out).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def server() -> Iterator[str]:
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    _Handler.seen = []
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}"
    finally:
        srv.shutdown()
        srv.server_close()


@pytest.fixture
def spec_file(tmp_path: Path) -> Path:
    p = tmp_path / "adapter.yaml"
    p.write_text(SPEC, encoding="utf-8")
    return p


def test_render_body_and_read_path() -> None:
    probe = Probe(seed_id="s", label="sexual", lang="en", prompt='say "hi" {x}', history=("a", "b"))
    body = render_body({"p": "{prompt}", "h": "{history}", "ht": "{history_text}", "c": ["{country}", 3]},
                       probe, "FR")
    assert body == {"p": 'say "hi" {x}', "h": ["a", "b"], "ht": "a\nb", "c": ["FR", 3]}
    doc = {"results": [{"flagged": False}], "a": {"b": 1}}
    assert read_path(doc, "results[0].flagged") is False and read_path(doc, "a.b") == 1


def test_http_target_runs_through_the_adapter(server: str, spec_file: Path, tmp_path: Path) -> None:
    target = HttpTarget(load_adapter(spec_file), f"{server}/check", country="FR", workers=4)
    try:
        result = run(target, RunConfig(budget=120, seed=0, batch=16), out_dir=tmp_path)
    finally:
        target.close()
    assert len(_Handler.seen) == 120
    assert all(s["x_test"] == "yes" and s["body"]["actor"]["country"] == "FR" for s in _Handler.seen)
    assert any(s["body"]["input"]["turns"] for s in _Handler.seen), "two-step attempts send their history"
    rep = build_report(result)
    assert rep["errors"] == 0
    assert 0 < rep["overall"]["bypass"]["k"] < rep["overall"]["bypass"]["n"]
    assert {a.action for a in result.attempts} <= {"block", "allow"}
    assert all(a.rules == ("kw",) for a in result.attempts if a.action == "block")
    assert "not_reported" not in rep["minor"], "a foreign guard's actions are not garde's"


@pytest.mark.parametrize(("path", "needle"), [("/crash", "HTTP 500"), ("/odd", "no 'result.decisions[0].verdict'")])
def test_http_failures_are_errors_not_verdicts(server: str, spec_file: Path, path: str, needle: str) -> None:
    target = HttpTarget(load_adapter(spec_file), server + path)
    try:
        result = run(target, RunConfig(budget=10, seed=0))
    finally:
        target.close()
    assert all(a.allowed is None and a.error and needle in a.error for a in result.attempts)
    rep = build_report(result)
    assert rep["errors"] == 10 and rep["overall"]["bypass"]["n"] == 0 and rep["warnings"]


def test_unreachable_target_is_an_error(spec_file: Path) -> None:
    target = HttpTarget(load_adapter(spec_file), "http://127.0.0.1:9/nothing")
    try:
        v = target.check(Probe(seed_id="s", label="benign", lang="en", prompt="hello"))
    finally:
        target.close()
    assert v.allowed is None and v.error


def test_bad_adapter_specs_name_the_problem(tmp_path: Path) -> None:
    p = tmp_path / "a.yaml"
    p.write_text("method: POST\nbody: {}\n", encoding="utf-8")
    with pytest.raises(InputError, match="verdict"):
        load_adapter(p)
    p.write_text("body: {}\nverdict: {path: x, allowed_values: []}\n", encoding="utf-8")
    with pytest.raises(InputError, match="allowed_values"):
        load_adapter(p)
    j = tmp_path / "a.json"
    j.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="not valid json"):
        load_adapter(j)
    with pytest.raises(InputError, match="cannot be read"):
        load_adapter(tmp_path / "missing.yaml")
    ok = tmp_path / "ok.yaml"
    ok.write_text(SPEC, encoding="utf-8")
    with pytest.raises(InputError, match="must start with http"):
        HttpTarget(load_adapter(ok), "ftp://127.0.0.1/x")


def test_shipped_adapters_load() -> None:
    root = Path(__file__).resolve().parents[2] / "src" / "garde" / "redteam" / "adapters"
    files = sorted(root.glob("*.yaml"))
    assert len(files) >= 2
    for f in files:
        load_adapter(f)


def test_cli_against_a_url(server: str, spec_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    code = main(["redteam", "--target", f"{server}/check", "--adapter", str(spec_file), "--budget", "60",
                 "--seed", "3", "--policy", "fr", "--out", str(out), "--adaptive"])
    text = capsys.readouterr().out
    assert code == 0, text
    assert "bypass rate" in text and "over-block rate" in text
    assert (out / "attempts.jsonl").exists() and (out / "report.html").exists()
    assert all(s["body"]["actor"]["country"] == "FR" for s in _Handler.seen)
    gate = main(["redteam", "--target", f"{server}/check", "--adapter", str(spec_file), "--budget", "60",
                 "--out", str(out), "--fail-above", "0.0"])
    assert gate == 1


def test_cli_usage_errors(spec_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["redteam", "--target", "ftp://x", "--budget", "1"]) == 2
    assert "unknown target 'ftp://x'" in capsys.readouterr().err
    assert main(["redteam", "--target", "http://127.0.0.1:9/x", "--budget", "1"]) == 2
    assert "--adapter" in capsys.readouterr().err
    assert main(["redteam", "--policy", "atlantis", "--budget", "1"]) == 2
    assert main(["redteam", "--help"]) == 0
    help_text = capsys.readouterr().out
    for opt in ("--target", "--adapter", "--policy", "--budget", "--seed", "--adaptive", "--out"):
        assert opt in help_text

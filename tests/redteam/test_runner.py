from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from garde.analyzers import AnalysisContext
from garde.guard import Guard, _Missing
from garde.model import Signal, Stage
from garde.redteam.mutators import OPERATORS
from garde.redteam.report import build_report, render_html, wilson, write_report
from garde.redteam.runner import RunConfig, run
from garde.redteam.targets import LocalTarget
from garde.store.log import InMemoryDecisionLog

from .conftest import NAIVE_WORDS


def test_wilson_interval_matches_known_values() -> None:
    lo, hi = wilson(0, 10)
    assert lo == 0.0 and hi == pytest.approx(0.2775, abs=1e-4)
    lo, hi = wilson(5, 10)
    assert (lo, hi) == (pytest.approx(0.2366, abs=1e-4), pytest.approx(0.7634, abs=1e-4))
    lo, hi = wilson(10, 10)
    assert lo == pytest.approx(0.7225, abs=1e-4) and hi == pytest.approx(1.0)
    assert wilson(0, 0) == (0.0, 1.0)


def test_a_run_records_every_attempt_and_reports_rates(naive_guard: Guard, tmp_path: Path) -> None:
    target = LocalTarget(naive_guard)
    result = run(target, RunConfig(budget=300, seed=1), out_dir=tmp_path)
    lines = (tmp_path / "attempts.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 300 == len(result.attempts)
    first = json.loads(lines[0])
    assert {"i", "seed", "label", "lang", "chain", "prompt", "history", "allowed", "action", "bypass"} <= set(first)
    rep = write_report(result, tmp_path)
    assert (tmp_path / "report.json").exists() and (tmp_path / "report.html").exists()
    o = rep["overall"]
    assert o["bypass"]["n"] + o["overblock"]["n"] == 300
    assert 0 < o["bypass"]["k"] < o["bypass"]["n"], "a naive keyword filter must leak and must catch some"
    lo, hi = o["bypass"]["ci95"]
    assert lo <= o["bypass"]["rate"] <= hi
    assert "identity" in rep["per_operator"] and "leetspeak" in rep["per_operator"]
    assert len(rep["per_language"]) >= 16
    assert rep["bypasses"] and all(b["prompt"] for b in rep["bypasses"])
    assert len(rep["bypasses"]) == o["bypass"]["k"]
    # the surface tricks beat plain keywords; unmutated seeds in the filter's words mostly do not
    assert rep["per_operator"]["leetspeak"]["bypass"]["rate"] > rep["per_operator"]["identity"]["bypass"]["rate"]
    assert rep["warnings"] == []


def test_same_seed_same_attempts(naive_guard: Guard) -> None:
    a = run(LocalTarget(naive_guard), RunConfig(budget=150, seed=9))
    b = run(LocalTarget(naive_guard), RunConfig(budget=150, seed=9))
    assert [(x.prompt, x.history, x.chain, x.allowed) for x in a.attempts] == \
           [(x.prompt, x.history, x.chain, x.allowed) for x in b.attempts]
    c = run(LocalTarget(naive_guard), RunConfig(budget=150, seed=10))
    assert [x.prompt for x in a.attempts] != [x.prompt for x in c.attempts]


def test_worker_processes_give_the_same_verdicts(naive_guard: Guard) -> None:
    one = run(LocalTarget(naive_guard), RunConfig(budget=200, seed=4))
    target = LocalTarget(naive_guard, processes=2)
    try:
        two = run(target, RunConfig(budget=200, seed=4))
    finally:
        target.close()
    assert [(x.prompt, x.allowed) for x in one.attempts] == [(x.prompt, x.allowed) for x in two.attempts]


def test_adaptive_mode_spends_the_budget_on_what_bypasses(naive_guard: Guard) -> None:
    uniform = run(LocalTarget(naive_guard), RunConfig(budget=1200, seed=2))
    adaptive = run(LocalTarget(naive_guard), RunConfig(budget=1200, seed=2, adaptive=True))
    ru, ra = build_report(uniform), build_report(adaptive)
    assert ra["overall"]["bypass"]["rate"] > ru["overall"]["bypass"]["rate"] + 0.05
    arms = ra["bandit_top_arms"]
    assert arms and arms[0]["plays"] > 10
    # the jailbreak wrappers leave the keyword visible, so a keyword filter catches them: the bandit learns that
    jb = sum(1 for a in adaptive.attempts if a.arm and a.arm.startswith("jb_"))
    tricks = sum(1 for a in adaptive.attempts if a.arm and a.arm.split("@")[0] in {"leetspeak", "spacing",
                                                                                  "zero_width", "homoglyph"})
    assert tricks > jb
    # over-blocking is still measured on uniform benign attempts
    assert ra["overall"]["overblock"]["n"] > 250


def test_report_html_is_self_contained_and_escaped(naive_guard: Guard) -> None:
    result = run(LocalTarget(naive_guard), RunConfig(budget=120, seed=3))
    rep = build_report(result)
    rep["bypasses"].append({"i": 999, "seed": "x", "label": "sexual", "lang": "en", "chain": "identity",
                            "action": "allow", "prompt": "<script>alert(1)</script>", "history": []})
    page = render_html(rep)
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "http://" not in page and "https://" not in page and "<link" not in page


def test_a_guard_that_only_fails_closed_is_flagged(tmp_path: Path) -> None:
    g = Guard(analyzers=[_Missing(name="text", why="not installed")], log=InMemoryDecisionLog())
    result = run(LocalTarget(g), RunConfig(budget=40, seed=0))
    rep = build_report(result)
    assert rep["overall"]["bypass"]["k"] == 0
    assert rep["failed_closed"] == 40 and "failed closed" in rep["warnings"][0]


def test_every_operator_gets_exercised(naive_guard: Guard) -> None:
    rep = build_report(run(LocalTarget(naive_guard), RunConfig(budget=1000, seed=0)))
    assert set(OPERATORS) <= set(rep["per_operator"])
    for name in OPERATORS:
        r = rep["per_operator"][name]
        assert r["bypass"]["n"] + r["overblock"]["n"] >= 10, name


class _BatchText:
    """A text analyser with a batch ``classify`` (like garde.text's), counting its calls."""

    name = "batch-text"
    version = "1"
    stages = frozenset({Stage.REQUEST})

    def __init__(self) -> None:
        self.calls: list[int] = []

    def classify(self, texts: Sequence[str], *, with_language: bool = True) -> list[float]:
        self.calls.append(len(texts))
        return [0.9 if any(w in t.lower() for w in NAIVE_WORDS) else 0.05 for t in texts]

    def analyze(self, ctx: AnalysisContext) -> Sequence[Signal]:
        history = [h for h in ctx.request.history if h.strip()]
        texts = [ctx.request.prompt] + ([" ".join([*history, ctx.request.prompt])] if history else [])
        scores = self.classify(texts, with_language=False)
        return [Signal(name="sexual_intent", score=max(scores), source="batch-text@1")]


def test_batch_priming_classifies_a_batch_at_once_and_changes_no_verdict() -> None:
    plain_text, primed_text = _BatchText(), _BatchText()
    plain = LocalTarget(Guard(analyzers=[plain_text], log=InMemoryDecisionLog()), batch=False)
    primed = LocalTarget(Guard(analyzers=[primed_text], log=InMemoryDecisionLog()))
    assert plain.name == primed.name == "local:batch-text@1"
    a = run(plain, RunConfig(budget=200, seed=8, batch=50))
    b = run(primed, RunConfig(budget=200, seed=8, batch=50))
    assert [(x.prompt, x.allowed, x.action) for x in a.attempts] == [(x.prompt, x.allowed, x.action)
                                                                     for x in b.attempts]
    assert len(plain_text.calls) == 200
    assert len(primed_text.calls) == 4 and min(primed_text.calls) > 40, primed_text.calls

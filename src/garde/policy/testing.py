"""Run each pack's test cases (``garde policy test`` and ``make test``).

A case file ``cases/<pack>.yaml`` holds signals and the action they must give::

    pack: fr
    pack_only: false        # true: evaluate this pack alone, not base + jurisdiction
    cases:
      - name: revealing edit of a real person in France
        country: FR         # default: the pack's first applies_to, else ZZ
        stage: request      # or output
        images: true
        signals: {sexual_intent: 0.8, real_person: 0.9}
        signals_detail: [{name: hash_match, score: 1, evidence: {bank_kind: victim_submitted}}]
        failures: [vision]  # analysers that failed
        expect: block
        expect_rules: [fr.real_person.revealing]   # must all be among the hits
        expect_report_to: [NCA]
        expect_removal_deadline_hours: 48
        expect_preservation_days: 365
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from garde.errors import PolicyError
from garde.model import Action, Actor, AnalyzerFailure, Signal, Stage
from garde.policy.engine import EvalResult, evaluate
from garde.policy.policy import Policy

__all__ = ["CaseResult", "run_cases"]


class _SignalRow(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    score: float = Field(ge=0, le=1)
    evidence: dict[str, Any] = Field(default_factory=dict)
    subject: str = "request"


class _Case(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    country: str | None = None
    stage: str = "request"
    images: bool = False
    tier: str = "free"
    signals: dict[str, float] = Field(default_factory=dict)
    signals_detail: list[_SignalRow] = Field(default_factory=list)
    failures: list[str] = Field(default_factory=list)
    expect: str
    expect_rules: list[str] = Field(default_factory=list)
    expect_report_to: list[str] = Field(default_factory=list)
    expect_removal_deadline_hours: float | None = None
    expect_preservation_days: int | None = None


class _CaseFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pack: str
    pack_only: bool = False
    cases: list[_Case] = Field(min_length=1)


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseResult:
    pack: str
    name: str
    ok: bool
    detail: str


def _case_texts(extra_dirs: Iterable[Path]) -> list[tuple[str, str]]:
    root = resources.files("garde.policy") / "cases"
    out = [(f"cases/{e.name}", e.read_text(encoding="utf-8"))
           for e in sorted(root.iterdir(), key=lambda e: e.name) if e.name.endswith(".yaml")]
    for d in extra_dirs:
        out.extend((str(f), f.read_text(encoding="utf-8")) for f in sorted(Path(d).glob("*.yaml")))
    return out


def _check(case: _Case, r: EvalResult) -> str:
    problems = []
    want = Action.parse(case.expect)
    if r.action != want:
        problems.append(f"expected {want.label}, got {r.action.label}")
    ids = {h.rule_id for h in r.hits}
    missing = [x for x in case.expect_rules if x not in ids]
    if missing:
        problems.append(f"rules {missing} did not fire (fired: {sorted(ids)})")
    reports = {d for h in r.hits for d in h.report_to}
    if case.expect_report_to and not set(case.expect_report_to) <= reports:
        problems.append(f"report_to {case.expect_report_to} not in {sorted(reports)}")
    if case.expect_removal_deadline_hours is not None:
        ds = [h.removal_deadline_hours for h in r.hits if h.removal_deadline_hours]
        if not ds or min(ds) != case.expect_removal_deadline_hours:
            problems.append(f"removal deadline {case.expect_removal_deadline_hours} h, got {ds}")
    if case.expect_preservation_days is not None:
        ps = [h.preservation_days for h in r.hits if h.preservation_days]
        if not ps or max(ps) != case.expect_preservation_days:
            problems.append(f"preservation {case.expect_preservation_days} d, got {ps}")
    return "; ".join(problems)


def run_cases(policy: Policy | None = None, extra_dirs: Iterable[Path] = ()) -> list[CaseResult]:
    """Run every case file; a pack without a case file is itself a failure."""
    policy = policy or Policy()
    results: list[CaseResult] = []
    covered: set[str] = set()
    for origin, text in _case_texts(extra_dirs):
        try:
            cf = _CaseFile.model_validate(yaml.safe_load(text))
        except (ValidationError, yaml.YAMLError) as e:
            raise PolicyError(f"case file {origin}: {str(e).splitlines()[0]}") from None
        pack = policy.library.get(cf.pack)
        covered.add(pack.id)
        for case in cf.cases:
            signals = [Signal(name=n, score=s, source="case") for n, s in case.signals.items()]
            signals += [Signal(name=s.name, score=s.score, source="case", evidence=s.evidence, subject=s.subject)
                        for s in case.signals_detail]
            failures = [AnalyzerFailure(analyzer=a, kind="exception", message="case") for a in case.failures]
            stage = Stage(case.stage)
            if cf.pack_only:
                r = evaluate([pack], signals, stage, failures, case.images)
            else:
                country = case.country or (pack.applies_to[0] if pack.applies_to else "ZZ")
                res = policy.resolve(Actor(user_id="case", country=country, tier=case.tier))
                if pack.id not in res.ids:
                    res = type(res)(packs=(*res.packs, pack), digest=res.digest)
                r = policy.evaluate(res, signals, stage, failures, case.images)
            problem = _check(case, r)
            results.append(CaseResult(pack=pack.id, name=case.name, ok=not problem,
                                      detail=problem or r.action.label))
    for p in policy.library.packs():
        if p.id not in covered:
            results.append(CaseResult(pack=p.id, name="(case file)", ok=False,
                                      detail=f"pack {p.id!r} has no case file cases/{p.id}.yaml"))
    return results

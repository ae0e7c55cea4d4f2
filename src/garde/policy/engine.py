"""The policy engine: a pure function from signals to an action and the rules behind it.

No I/O, no clock, no randomness: the same packs, signals, stage and failures give
the same result, which is what makes decisions replayable.

Semantics:

* a ``signal`` condition holds when some signal of that name (matching ``where``
  on its evidence) has a score ``>= min``, where ``min`` defaults to the pack's
  threshold for that signal (and to 0.5 when the pack names none);
  a signal nobody reported has score 0;
* ``all``/``any``/``not`` combine conditions as usual;
* a rule applies to its stage (``request``, ``output`` or ``any``);
* every pack that applies is evaluated and the strictest action wins;
* an analyser failure adds the pack's ``on_error`` action as a hit, so a failure
  is never an allow.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from garde.model import Action, AnalyzerFailure, RuleHit, Signal, Stage
from garde.policy.schema import Condition, ResolvedPack, Rule

__all__ = ["EvalResult", "evaluate", "evaluate_pack"]

DEFAULT_THRESHOLD = 0.5


@dataclass(frozen=True, slots=True, kw_only=True)
class EvalResult:
    action: Action
    hits: tuple[RuleHit, ...]


def _best(signals: Sequence[Signal], name: str, where: tuple[tuple[str, object], ...]) -> float:
    best = 0.0
    for s in signals:
        if s.name != name:
            continue
        if where and any(s.evidence.get(k) != v for k, v in where):
            continue
        best = max(best, s.score)
    return best


def _holds(c: Condition, signals: Sequence[Signal], thresholds: dict[str, float], seen: dict[str, float]) -> bool:
    if c.kind == "signal":
        name = c.signal or ""
        score = _best(signals, name, c.where)
        t = c.min if c.min is not None else thresholds.get(name, DEFAULT_THRESHOLD)
        key = name if not c.where else f"{name}[{','.join(f'{k}={v}' for k, v in c.where)}]"
        seen[key] = score
        return score >= t
    if c.kind == "all":
        return all(_holds(x, signals, thresholds, seen) for x in c.children)
    if c.kind == "any":
        # evaluate every branch so the explanation lists every signal looked at
        results = [_holds(x, signals, thresholds, seen) for x in c.children]
        return any(results)
    if c.kind == "not":
        return not _holds(c.children[0], signals, thresholds, seen)
    raise ValueError(f"unknown condition kind {c.kind!r}")


def _hit(rule: Rule, pack: ResolvedPack, seen: dict[str, float]) -> RuleHit:
    return RuleHit(
        rule_id=rule.id, pack=pack.id, action=rule.action, category=rule.category, reason=rule.reason,
        signals=dict(sorted(seen.items())), legal_sources=rule.legal_sources, report_to=rule.report_to,
        removal_deadline_hours=rule.removal_deadline_hours, preservation_days=rule.preservation_days,
        strike_weight=rule.strike_weight,
    )


def evaluate_pack(
    pack: ResolvedPack,
    signals: Sequence[Signal],
    stage: Stage,
    failures: Sequence[AnalyzerFailure] = (),
    has_images: bool = False,
) -> EvalResult:
    """Evaluate one resolved pack."""
    thresholds = dict(pack.thresholds)
    hits: list[RuleHit] = []
    for rule in pack.rules:
        if rule.stage not in ("any", stage.value):
            continue
        seen: dict[str, float] = {}
        if _holds(rule.when, signals, thresholds, seen):
            hits.append(_hit(rule, pack, seen))
    if failures:
        a = pack.on_error_images if has_images else pack.on_error_text_only
        names = ", ".join(sorted({f.analyzer for f in failures}))
        hits.append(RuleHit(
            rule_id=f"{pack.id}.on_error", pack=pack.id, action=a, category="analyzer_failure",
            reason=f"analyser failure ({names}): the policy fails closed",
        ))
    action = max((h.action for h in hits), default=Action.ALLOW)
    return EvalResult(action=action, hits=tuple(hits))


def _weight(h: RuleHit) -> tuple[int, int]:
    return (int(h.action), len(h.legal_sources) + len(h.report_to))


def evaluate(
    packs: Iterable[ResolvedPack],
    signals: Sequence[Signal],
    stage: Stage,
    failures: Sequence[AnalyzerFailure] = (),
    has_images: bool = False,
) -> EvalResult:
    """Evaluate every applicable pack; the strictest action wins.

    Hits are de-duplicated by rule id (a floor rule inherited by three packs is
    reported once, by the first pack that fired it), strictest first.
    """
    all_hits: dict[str, RuleHit] = {}
    action = Action.ALLOW
    for pack in packs:
        r = evaluate_pack(pack, signals, stage, failures, has_images)
        action = max(action, r.action)
        for h in r.hits:
            prev = all_hits.get(h.rule_id)
            if prev is None or _weight(h) > _weight(prev):
                all_hits[h.rule_id] = h
    hits = sorted(all_hits.values(), key=lambda h: (-h.action, h.rule_id))
    return EvalResult(action=action, hits=tuple(hits))

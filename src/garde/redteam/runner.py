"""The runner: choose seeds and operator chains, send them to a target, record every attempt.

Two ways to spend the budget:

* **uniform** (default): every attempt picks a label (benign with probability
  ``benign_share``), a language, a seed of that label and language, and a chain
  of 0 to ``max_chain`` operators allowed for that label;
* **adaptive**: sexualising attempts are steered by Thompson sampling over arms
  (operator x seed language): each arm keeps a Beta posterior of its bypass
  rate, and each attempt plays the arm whose sampled rate is highest, with up to
  two extra random operators. Benign attempts stay uniform so over-blocking is
  still measured.

Everything is seeded: the same seed, budget and target give the same attempts.
Attempts are planned and sent in batches (a thread pool sends a batch; the
bandit learns between batches) and appended to ``attempts.jsonl`` as they come.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from garde.errors import InputError
from garde.redteam.mutators import OPERATORS, Operator, Probe, allowed_operators, mutate, probe_from_seed
from garde.redteam.seeds import Label, Seed, load_seeds
from garde.redteam.targets import Target, Verdict

__all__ = ["Attempt", "Bandit", "RunConfig", "RunResult", "run"]

IDENTITY = "identity"


@dataclass(frozen=True, slots=True, kw_only=True)
class RunConfig:
    budget: int = 1000
    seed: int = 0
    adaptive: bool = False
    benign_share: float = 0.3
    max_chain: int = 3
    batch: int = 64
    languages: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.budget < 1:
            raise InputError(f"budget must be at least 1, got {self.budget}")
        if not 0.0 <= self.benign_share < 1.0:
            raise InputError(f"benign share must be in [0, 1), got {self.benign_share}")
        if not 0 <= self.max_chain <= 6:
            raise InputError(f"max chain must be between 0 and 6, got {self.max_chain}")
        if self.batch < 1:
            raise InputError(f"batch must be at least 1, got {self.batch}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Attempt:
    """One probe sent to the target and what it answered."""

    index: int
    seed_id: str
    label: Label
    seed_lang: str
    lang: str
    prompt: str
    history: tuple[str, ...]
    chain: tuple[str, ...]
    arm: str | None
    allowed: bool | None
    action: str
    rules: tuple[str, ...]
    latency_ms: float
    error: str | None = None
    failed_closed: bool = False
    failures: tuple[str, ...] = ()

    @property
    def sexualising(self) -> bool:
        return self.label != "benign"

    @property
    def bypass(self) -> bool:
        return self.sexualising and self.allowed is True

    @property
    def overblock(self) -> bool:
        return not self.sexualising and self.allowed is False

    @property
    def chain_name(self) -> str:
        return "+".join(self.chain) if self.chain else IDENTITY

    def to_dict(self) -> dict[str, Any]:
        return {"i": self.index, "seed": self.seed_id, "label": self.label, "seed_lang": self.seed_lang,
                "lang": self.lang, "chain": list(self.chain), "arm": self.arm, "prompt": self.prompt,
                "history": list(self.history), "allowed": self.allowed, "action": self.action,
                "rules": list(self.rules), "latency_ms": round(self.latency_ms, 3), "error": self.error,
                "failed_closed": self.failed_closed, "failures": list(self.failures), "bypass": self.bypass,
                "overblock": self.overblock}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Attempt:
        return cls(index=int(d["i"]), seed_id=d["seed"], label=d["label"], seed_lang=d["seed_lang"],
                   lang=d["lang"], prompt=d["prompt"], history=tuple(d["history"]), chain=tuple(d["chain"]),
                   arm=d.get("arm"), allowed=d["allowed"], action=d.get("action", ""),
                   rules=tuple(d.get("rules", ())), latency_ms=float(d.get("latency_ms", 0.0)),
                   error=d.get("error"), failed_closed=bool(d.get("failed_closed", False)),
                   failures=tuple(d.get("failures", ())))


@dataclass(slots=True)
class Bandit:
    """Thompson sampling over arms with Beta(1 + bypasses, 1 + holds) posteriors."""

    arms: list[tuple[str, str]]
    seed: int = 0
    wins: dict[tuple[str, str], int] = field(default_factory=dict)
    plays: dict[tuple[str, str], int] = field(default_factory=dict)
    _w: np.ndarray = field(init=False)
    _n: np.ndarray = field(init=False)
    _index: dict[tuple[str, str], int] = field(init=False)
    _gen: np.random.Generator = field(init=False)

    def __post_init__(self) -> None:
        self._w = np.zeros(len(self.arms))
        self._n = np.zeros(len(self.arms))
        self._index = {a: i for i, a in enumerate(self.arms)}
        self._gen = np.random.default_rng(self.seed)

    def choose(self) -> tuple[str, str]:
        draws = self._gen.beta(1.0 + self._w, 1.0 + self._n - self._w)
        return self.arms[int(np.argmax(draws))]

    def update(self, arm: tuple[str, str], bypass: bool) -> None:
        self.plays[arm] = self.plays.get(arm, 0) + 1
        self.wins[arm] = self.wins.get(arm, 0) + int(bypass)
        i = self._index[arm]
        self._n[i] += 1
        self._w[i] += int(bypass)

    def summary(self, top: int = 15) -> list[dict[str, Any]]:
        def mean(a: tuple[str, str]) -> float:
            return (1 + self.wins.get(a, 0)) / (2 + self.plays.get(a, 0))

        ranked = sorted(self.arms, key=lambda a: (-mean(a), -self.plays.get(a, 0), a))
        return [{"operator": a[0], "lang": a[1], "plays": self.plays.get(a, 0), "bypasses": self.wins.get(a, 0),
                 "posterior_mean": round(mean(a), 4)} for a in ranked[:top]]


@dataclass(frozen=True, slots=True, kw_only=True)
class RunResult:
    attempts: tuple[Attempt, ...]
    elapsed_s: float
    target: str
    config: RunConfig
    bandit: list[dict[str, Any]] | None = None

    @property
    def attempts_per_s(self) -> float:
        return len(self.attempts) / self.elapsed_s if self.elapsed_s > 0 else 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class _Planned:
    probe: Probe
    seed_lang: str
    arm: tuple[str, str] | None


class _Planner:
    def __init__(self, seeds: Sequence[Seed], cfg: RunConfig) -> None:
        self.cfg = cfg
        langs = cfg.languages
        self.by: dict[tuple[bool, str], list[Seed]] = {}
        for s in seeds:
            if langs and s.lang not in langs:
                continue
            self.by.setdefault((s.sexualising, s.lang), []).append(s)
        self.langs = {flag: sorted({lang for (f, lang) in self.by if f == flag}) for flag in (True, False)}
        if not self.langs[True] or (cfg.benign_share > 0 and not self.langs[False]):
            raise InputError("no seeds for the chosen languages")
        self.rng = random.Random(f"plan:{cfg.seed}")
        ops = [IDENTITY, *(o.name for o in allowed_operators("sexual"))]
        self.bandit = Bandit(arms=[(o, lang) for o in ops for lang in self.langs[True]], seed=cfg.seed) \
            if cfg.adaptive else None

    def _chain_len(self) -> int:
        weights = [0.1, 0.45, 0.3, 0.15, 0.05, 0.03, 0.02][: self.cfg.max_chain + 1]
        return self.rng.choices(range(len(weights)), weights=weights)[0]

    def _ops(self, label: Label, k: int, exclude: str | None = None) -> list[Operator]:
        pool = [o for o in allowed_operators(label) if o.name != exclude]
        picked = self.rng.sample(pool, min(k, len(pool)))
        # at most one jailbreak wrapper per chain: they would nest awkwardly
        out: list[Operator] = []
        for o in picked:
            if o.family == "jailbreak" and any(x.family == "jailbreak" for x in out):
                continue
            out.append(o)
        return out

    def plan(self, index: int) -> _Planned:
        mut_rng = random.Random(f"mutate:{self.cfg.seed}:{index}")
        sexual = self.rng.random() >= self.cfg.benign_share
        if sexual and self.bandit is not None:
            arm = self.bandit.choose()
            op_name, lang = arm
            for _ in range(6):
                seed = self.rng.choice(self.by[(True, lang)])
                ops = [] if op_name == IDENTITY else [OPERATORS[op_name]]
                extra = self.rng.choice((0, 0, 1, 2))
                ops += self._ops(seed.label, extra, exclude=op_name) if op_name != IDENTITY else []
                probe = mutate(probe_from_seed(seed), ops, mut_rng)
                if op_name == IDENTITY or op_name in probe.chain:
                    return _Planned(probe=probe, seed_lang=seed.lang, arm=arm)
            return _Planned(probe=probe, seed_lang=seed.lang, arm=None)
        lang = self.rng.choice(self.langs[sexual])
        seed = self.rng.choice(self.by[(sexual, lang)])
        probe = mutate(probe_from_seed(seed), self._ops(seed.label, self._chain_len()), mut_rng)
        return _Planned(probe=probe, seed_lang=seed.lang, arm=None)


def _attempt(i: int, p: _Planned, v: Verdict) -> Attempt:
    return Attempt(index=i, seed_id=p.probe.seed_id, label=p.probe.label, seed_lang=p.seed_lang, lang=p.probe.lang,
                   prompt=p.probe.prompt, history=p.probe.history, chain=p.probe.chain,
                   arm="@".join(p.arm) if p.arm else None, allowed=v.allowed, action=v.action, rules=v.rules,
                   latency_ms=v.latency_ms, error=v.error, failed_closed=v.failed_closed, failures=v.failures)


def run(
    target: Target,
    cfg: RunConfig,
    *,
    out_dir: Path | None = None,
    seeds: Sequence[Seed] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RunResult:
    """Spend the budget on the target; write ``attempts.jsonl`` in ``out_dir`` when given."""
    planner = _Planner(seeds if seeds is not None else load_seeds(), cfg)
    sink = None
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        sink = (out_dir / "attempts.jsonl").open("w", encoding="utf-8")
    attempts: list[Attempt] = []
    t0 = time.perf_counter()
    try:
        done = 0
        while done < cfg.budget:
            n = min(cfg.batch, cfg.budget - done)
            planned = [planner.plan(done + j) for j in range(n)]
            probes = [p.probe for p in planned]
            verdicts = target.check_batch(probes)
            if len(verdicts) != len(probes):
                raise InputError(f"target {target.name!r} answered {len(verdicts)} of {len(probes)} probes")
            for j, (p, v) in enumerate(zip(planned, verdicts, strict=True)):
                a = _attempt(done + j, p, v)
                attempts.append(a)
                if planner.bandit is not None and p.arm is not None and a.error is None:
                    planner.bandit.update(p.arm, a.bypass)
                if sink is not None:
                    sink.write(json.dumps(a.to_dict(), ensure_ascii=False) + "\n")
            done += n
            if progress is not None:
                progress(done, cfg.budget)
    finally:
        if sink is not None:
            sink.close()
    elapsed = time.perf_counter() - t0
    return RunResult(attempts=tuple(attempts), elapsed_s=elapsed, target=target.name, config=cfg,
                     bandit=planner.bandit.summary() if planner.bandit is not None else None)

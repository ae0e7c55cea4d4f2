"""Red-team throughput against garde's in-process request guard (target: >= 200 attempts/s).

Baseline, measured in the same run on the same probes: one plain
``guard.check_request`` call after another. Then the runner (planning,
mutation, recording, report) with 1 and 2 worker processes. Uses the real
analysers; if the trained text analyser is absent it says so and measures the
lexical analyser instead, so the numbers still mean something.

    .venv/bin/python bench/bench_redteam.py [--budget N]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
from pathlib import Path

from garde.guard import Guard, _Missing, default_analyzers
from garde.model import Actor, Request
from garde.redteam.report import write_report
from garde.redteam.runner import RunConfig, _Planner, run
from garde.redteam.seeds import load_seeds
from garde.redteam.targets import LocalTarget
from garde.store.log import InMemoryDecisionLog

TARGET = 200.0


def _guard() -> tuple[Guard, str]:
    analyzers = default_analyzers()
    if importlib.util.find_spec("garde.text.analyzer") is None or any(
            isinstance(a, _Missing) and not a.needs_images for a in analyzers):
        from garde.text.lexical import LexicalAnalyzer

        print("NOTE: garde.text.analyzer is not available; measuring the lexical analyser instead")
        analyzers = [a for a in analyzers if not (isinstance(a, _Missing) and not a.needs_images)]
        analyzers.append(LexicalAnalyzer())
    g = Guard(analyzers=analyzers, log=InMemoryDecisionLog())
    return g, ", ".join(f"{k}@{v}" for k, v in sorted(g.analyzer_versions.items()))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--budget", type=int, default=2000)
    args = ap.parse_args()
    t0 = time.perf_counter()
    guard, names = _guard()
    guard.check_request(Request(prompt="warm up", actor=Actor(user_id="bench")))
    print(f"analysers: {names} (loaded and warmed in {time.perf_counter() - t0:.1f} s)")

    planner = _Planner(load_seeds(), RunConfig(budget=args.budget, seed=1))
    probes = [planner.plan(i).probe for i in range(args.budget)]
    for p in probes[:200]:  # warm caches (lexicon, regexes, analysers) before timing anything
        guard.check_request(Request(prompt=p.prompt, history=p.history, actor=Actor(user_id="bench")))
    def baseline() -> float:
        t = time.perf_counter()
        for p in probes:
            guard.check_request(Request(prompt=p.prompt, history=p.history, actor=Actor(user_id="bench")))
        return args.budget / (time.perf_counter() - t)

    # best of two, before and after the runner, so that a busy machine does not flatter the runner
    base = baseline()

    best = 0.0
    for procs in (1, 2):
        target = LocalTarget(guard, processes=procs)
        with tempfile.TemporaryDirectory() as d:
            try:
                result = run(target, RunConfig(budget=args.budget, seed=1), out_dir=Path(d))
                write_report(result, Path(d))
            finally:
                if procs > 1:
                    target.close()
        rate = result.attempts_per_s
        best = max(best, rate)
        print(f"runner    {procs} process{'es' if procs > 1 else ''}, plan+mutate+record:  {rate:7.1f} attempts/s")
    # the harness alone (a constant analyser): what planning, mutation, the guard's plumbing and recording cost
    from garde.analyzers import FakeAnalyzer

    fake = Guard(analyzers=[FakeAnalyzer(name="text", scores={"sexual_intent": 0.0})], log=InMemoryDecisionLog())
    with tempfile.TemporaryDirectory() as d:
        harness = run(LocalTarget(fake), RunConfig(budget=args.budget, seed=1), out_dir=Path(d)).attempts_per_s
    fake.close()
    print(f"harness   1 process, constant analyser:          {harness:7.1f} attempts/s")
    base = max(base, baseline())
    print(f"baseline  unbatched check_request calls (best of 2): {base:7.1f} attempts/s")
    guard.close()
    ok = best >= TARGET
    print(f"target >= {TARGET:.0f} attempts/s: {'met' if ok else 'NOT met'} ({best:.1f})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

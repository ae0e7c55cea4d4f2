"""The red team: measure how often a guard can be talked into sexualising someone.

Seeds (:mod:`garde.redteam.seeds`) are mutated by named, seeded operators
(:mod:`garde.redteam.mutators`), sent to a target — garde's own guard in
process, or any HTTP guard through an adapter spec (:mod:`garde.redteam.targets`)
— by the runner (:mod:`garde.redteam.runner`), and summarised with Wilson
intervals (:mod:`garde.redteam.report`). ``garde redteam`` is the command.
"""

from __future__ import annotations

from garde.redteam.mutators import OPERATORS, Operator, Probe, mutate
from garde.redteam.report import build_report, wilson, write_report
from garde.redteam.runner import Attempt, RunConfig, RunResult, run
from garde.redteam.seeds import Seed, load_seeds
from garde.redteam.targets import AdapterSpec, HttpTarget, LocalTarget, Verdict, load_adapter

__all__ = [
    "OPERATORS",
    "AdapterSpec",
    "Attempt",
    "HttpTarget",
    "LocalTarget",
    "Operator",
    "Probe",
    "RunConfig",
    "RunResult",
    "Seed",
    "Verdict",
    "build_report",
    "load_adapter",
    "load_seeds",
    "mutate",
    "run",
    "wilson",
    "write_report",
]

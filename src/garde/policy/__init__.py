"""Policy: YAML packs, their loader, the pure evaluation engine and the jurisdiction resolution."""

from __future__ import annotations

import functools

from garde.policy.engine import EvalResult, evaluate, evaluate_pack
from garde.policy.loader import FLOOR, PolicyLibrary, load_library, parse_pack_text
from garde.policy.policy import POLICY_ID, Policy, Resolution, normalize_country
from garde.signals import SIGNALS

__all__ = [
    "FLOOR",
    "POLICY_ID",
    "EvalResult",
    "Policy",
    "PolicyLibrary",
    "Resolution",
    "default_policy",
    "evaluate",
    "evaluate_pack",
    "load_library",
    "normalize_country",
    "operating_thresholds",
    "parse_pack_text",
]


@functools.cache
def default_policy() -> Policy:
    """The policy built from the built-in packs and the environment (cached per process)."""
    return Policy()


def operating_thresholds() -> dict[str, float]:
    """The score thresholds the default policy uses, by signal name (0.5 where a pack names none)."""
    t = dict.fromkeys(SIGNALS, 0.5)
    t.update(default_policy().thresholds())
    return t

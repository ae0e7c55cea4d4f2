"""Policy: YAML packs, their loader and the pure evaluation engine."""

from __future__ import annotations


def operating_thresholds() -> dict[str, float]:
    """The score thresholds the default policy uses, by signal name (placeholder until the loader lands)."""
    return {"sexual_intent": 0.5, "nudity_intent": 0.5, "minor_reference": 0.5, "revealing_attire": 0.5,
            "jailbreak_framing": 0.5, "multi_step": 0.5, "apparent_minor": 0.5, "real_person": 0.5,
            "person_present": 0.5, "exposure_revealing": 0.5, "exposure_nudity": 0.5,
            "exposure_explicit": 0.5, "exposure_increase": 0.5}

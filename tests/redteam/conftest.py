"""Fixtures for the red-team tests: a deliberately naive text analyser to attack."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import pytest

from garde.analyzers import AnalysisContext
from garde.guard import Guard
from garde.model import Signal, Stage
from garde.store.log import InMemoryDecisionLog

NAIVE_WORDS = (
    "bikini", "lingerie", "underwear", "nude", "naked", "clothes", "see-through", "sexy", "sexier", "topless",
    "bra", "thong", "bodysuit", "biquíni", "lencería", "ropa", "sous-vêtements", "vêtements", "unterwäsche", "dessous",
    "bikini", "бикини", "белье", "бельё", "раздень", "ビキニ", "下着", "比基尼", "内衣", "비키니", "속옷", "बिकिनी",
    "कपड़े", "بكيني", "ملابس", "spoglia", "déshabille", "aus", "seksi", "baju", "transparent",
)
MINOR_WORDS = ("year-old", "year old", "niece", "school", "12", "13", "14", "15", "sobrina", "nièce", "ans")


@dataclass
class NaiveAnalyzer:
    """A keyword filter like the platform's first fix: plain substrings, no normalisation."""

    name: str = "naive-text"
    version: str = "1"
    stages: frozenset[Stage] = frozenset({Stage.REQUEST})

    def analyze(self, ctx: AnalysisContext) -> Sequence[Signal]:
        text = " ".join([*ctx.request.history, ctx.request.prompt]).lower()
        sexual = any(w in text for w in NAIVE_WORDS)
        minor = any(w in text for w in MINOR_WORDS)
        return [Signal(name="sexual_intent", score=0.9 if sexual else 0.05, source="naive@1"),
                Signal(name="minor_reference", score=0.9 if minor else 0.05, source="naive@1")]


@pytest.fixture
def naive_guard() -> Iterator[Guard]:
    g = Guard(analyzers=[NaiveAnalyzer()], log=InMemoryDecisionLog())
    yield g
    g.close()

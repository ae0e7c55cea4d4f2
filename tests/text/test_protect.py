"""Spelling repair leaves real words alone (lexicons/protect.txt, built from word frequencies)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from garde.text.normalize import normalize, repair_token

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("word", ["spring", "nacht", "trikot", "strong", "sweet", "granen"])
def test_real_words_one_edit_from_a_sensitive_word_are_not_repaired(word: str) -> None:
    n = normalize(f"make the photo of the {word} brighter")
    assert word in n.folded.split() and "typo" not in n.tricks


@pytest.mark.parametrize(("typo", "word"), [("bikinni", "bikini"), ("lingeree", "lingerie"), ("drees", "dress"),
                                            ("swimsiut", "swimsuit")])
def test_misspelt_sensitive_words_are_still_repaired(typo: str, word: str) -> None:
    assert repair_token(typo) == word
    assert "typo" in normalize(f"put her in a {typo}").tricks


def test_protection_can_be_bypassed_to_build_the_list() -> None:
    assert repair_token("spring") is None
    assert repair_token("spring", protected=False) == "string"


@pytest.mark.slow
def test_protect_list_is_up_to_date() -> None:
    spec = importlib.util.spec_from_file_location("make_typo_protect", ROOT / "scripts" / "make_typo_protect.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["make_typo_protect"] = mod
    spec.loader.exec_module(mod)
    want = mod.build()
    have = (ROOT / "src" / "garde" / "text" / "lexicons" / "protect.txt").read_text(encoding="utf-8")
    assert have == want, "protect.txt is stale: run .venv/bin/python scripts/make_typo_protect.py"

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from garde.errors import InputError
from garde.redteam import phrases
from garde.redteam.seeds import LABELS, Seed, load_seeds, seed_languages

ROOT = Path(__file__).resolve().parents[2]


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.casefold()).strip()


def test_at_least_16_languages_each_with_sexualising_and_benign_seeds() -> None:
    seeds = load_seeds()
    langs = seed_languages()
    assert len(langs) >= 16, langs
    by = Counter((s.lang, s.label) for s in seeds)
    for lang in langs:
        assert by[(lang, "sexual")] >= 4, lang
        assert by[(lang, "minor")] >= 1, lang
        assert by[(lang, "benign")] >= 4, lang
    assert {s.label for s in seeds} == set(LABELS)


def test_seeds_are_well_formed() -> None:
    seeds = load_seeds()
    assert len({s.id for s in seeds}) == len(seeds)
    assert len({_norm(s.text) for s in seeds}) == len(seeds), "duplicate seed texts"
    for s in seeds:
        assert s.id.startswith(f"{s.lang}-")
        if s.attire:
            assert s.attire in s.text
            assert s.label != "benign", s.id
        if s.concept:
            assert s.concept in phrases.SEXUAL_CONCEPTS | phrases.BENIGN_CONCEPTS, s.id
            assert (s.concept in phrases.SEXUAL_CONCEPTS) == s.sexualising, s.id
        if s.label == "minor":
            assert s.who == "minor", s.id


def test_phrase_tables_cover_every_seed_language() -> None:
    assert set(seed_languages()) <= set(phrases.TABLES)
    for t in phrases.TABLES.values():
        assert set(t.items) == phrases.ITEM_CONCEPTS
        assert set(t.templates) == phrases.TEMPLATE_CONCEPTS
        assert "{item}" in t.put and "{who}" in t.put


def test_seed_validation_names_the_bad_value() -> None:
    with pytest.raises(InputError, match="attire 'tutu'"):
        Seed(id="x", lang="en", label="sexual", text="put her in a bikini", attire="tutu")
    with pytest.raises(InputError, match="unknown label 'spicy'"):
        Seed(id="x", lang="en", label="spicy", text="t")  # type: ignore[arg-type]


def test_no_seed_appears_in_the_classifier_training_data() -> None:
    files = sorted((ROOT / "data" / "prompts").glob("*.jsonl"))
    if not files:
        pytest.skip("no data/prompts/*.jsonl in this checkout yet")
    train: set[str] = set()
    for f in files:
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.strip():
                text = json.loads(line).get("text")
                if isinstance(text, str):
                    train.add(_norm(text))
    assert train, "data/prompts holds no texts"
    overlap = sorted(s.id for s in load_seeds() if _norm(s.text) in train)
    assert not overlap, f"seeds copied from the training data: {overlap}"

from __future__ import annotations

import random
import re
import unicodedata

import pytest

from garde.errors import InputError
from garde.redteam import phrases
from garde.redteam.mutators import OPERATORS, allowed_operators, mutate, probe_from_seed
from garde.redteam.runner import RunConfig, _Planner
from garde.redteam.seeds import load_seeds


def seed(seed_id: str):  # type: ignore[no-untyped-def]
    return probe_from_seed(next(s for s in load_seeds() if s.id == seed_id))


def test_every_operator_is_named_and_declares_meaning() -> None:
    expected = {"translate", "attire_swap", "euphemism", "synonym", "code_mix", "homoglyph", "leetspeak",
                "zero_width", "spacing", "emoji", "typo", "jb_roleplay", "jb_fiction", "jb_consent", "jb_age",
                "jb_research", "jb_ignore", "polite", "urgent", "two_step"}
    assert set(OPERATORS) == expected
    for name, op in OPERATORS.items():
        assert op.name == name and op.description
    changing = {o.name for o in OPERATORS.values() if not o.preserves_meaning}
    assert changing == {"attire_swap", "euphemism", "jb_roleplay", "jb_fiction", "jb_consent", "jb_age",
                        "jb_research", "jb_ignore"}
    assert not changing & {o.name for o in allowed_operators("benign")}


def test_meaning_changing_operator_refuses_a_benign_seed() -> None:
    benign = next(probe_from_seed(s) for s in load_seeds() if s.label == "benign")
    with pytest.raises(InputError, match="must not rewrite benign"):
        OPERATORS["jb_consent"](benign, random.Random(0))


def test_operators_are_seeded_and_deterministic() -> None:
    p = seed("en-s01")
    for op in OPERATORS.values():
        a, b = op(p, random.Random(7)), op(p, random.Random(7))
        assert a == b, op.name


def test_surface_tricks_aim_at_the_attire() -> None:
    p = seed("en-s01")  # "... for a bikini"
    rng = random.Random(3)
    leet = OPERATORS["leetspeak"](p, rng)
    assert leet is not None and "bikini" not in leet.prompt and leet.prompt.startswith("@imagebot swap")
    zw = OPERATORS["zero_width"](p, rng)
    assert zw is not None and "bikini" not in zw.prompt
    assert "".join(c for c in zw.prompt if unicodedata.category(c) != "Cf" and c != "\u00ad") == p.prompt
    sp = OPERATORS["spacing"](p, rng)
    assert sp is not None and "bikini" not in sp.prompt
    hg = OPERATORS["homoglyph"](p, rng)
    assert hg is not None and "bikini" not in hg.prompt and len(hg.prompt) == len(p.prompt)
    assert OPERATORS["leetspeak"](seed("ja-s01"), rng) is None  # nothing Latin to rewrite


def test_attire_swap_uses_the_words_a_naive_filter_misses() -> None:
    p = seed("en-s01")
    seen = {OPERATORS["attire_swap"](p, random.Random(i)).attire for i in range(60)}  # type: ignore[union-attr]
    assert {"leotard", "one-piece swimsuit", "monokini"} & seen  # "for a bikini" -> "for a leotard"
    assert seen <= {re.sub(r"^(a|an) ", "", x) for x in phrases.ADVERSARIAL_ATTIRE["en"]}
    q = OPERATORS["attire_swap"](seed("de-s01"), random.Random(0))
    assert q is not None and "Bikini" not in q.prompt and " a " not in q.prompt


def test_translate_and_code_mix_keep_the_meaning() -> None:
    p = seed("fr-m01")  # a minor, bikini
    for i in range(30):
        t = OPERATORS["translate"](p, random.Random(i))
        assert t is not None and t.lang != "fr" and t.label == "minor" and t.concept == "bikini"
        table = phrases.TABLES[t.lang]
        assert table.minor in t.prompt and table.items["bikini"] in t.prompt
        m = OPERATORS["code_mix"](p, random.Random(i))
        assert m is not None and m.label == "minor" and m.prompt != p.prompt


def test_two_step_moves_part_of_the_request_into_history() -> None:
    for sid in ("en-s01", "zh-s03", "de-b01"):
        p = seed(sid)
        got = {OPERATORS["two_step"](p, random.Random(i)) for i in range(10)}
        for q in got:
            assert q is not None and len(q.history) == 1 and q.prompt and q.label == p.label


def test_wrappers_keep_the_request_inside() -> None:
    p = seed("es-s01")
    for name in ("jb_roleplay", "jb_fiction", "jb_consent", "jb_age", "jb_research", "jb_ignore", "polite",
                 "urgent"):
        q = OPERATORS[name](p, random.Random(1))
        assert q is not None and p.prompt in q.prompt, name


def test_chains_run_in_stage_order_and_never_change_the_label() -> None:
    rng = random.Random(11)
    for s in load_seeds():
        pool = list(allowed_operators(s.label))
        for _ in range(5):
            ops = rng.sample(pool, 3)
            q = mutate(probe_from_seed(s), ops, rng)
            assert q.label == s.label and q.seed_id == s.id
            stages = [OPERATORS[n].stage for n in q.chain]
            assert stages == sorted(stages)
            assert q.prompt.strip()


def test_the_planner_never_gives_benign_seeds_a_meaning_changing_operator() -> None:
    planner = _Planner(load_seeds(), RunConfig(budget=1, seed=5))
    benign_ops = {o.name for o in allowed_operators("benign")}
    seen_benign = 0
    for i in range(600):
        p = planner.plan(i).probe
        if p.label == "benign":
            seen_benign += 1
            assert set(p.chain) <= benign_ops, p.chain
    assert seen_benign > 100


def test_unknown_operator_is_an_input_error() -> None:
    with pytest.raises(InputError, match="unknown operator 'rot13'"):
        mutate(seed("en-s01"), ["rot13"], random.Random(0))

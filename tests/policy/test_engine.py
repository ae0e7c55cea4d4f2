"""The engine's properties: monotone in scores, deterministic, tier-blind, fail-closed."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from garde.model import Action, Actor, AnalyzerFailure, Signal, Stage
from garde.policy import Policy, evaluate
from garde.signals import SIGNALS

POLICY = Policy()
NAMES = sorted(n for n in SIGNALS if n not in ("hash_match", "exact_hash_match"))
COUNTRIES = ["ZZ", "FR", "US", "US-CA", "GB", "DE", "KR", "AU", "IN", "BR", "JP", "BE"]

scores = st.dictionaries(st.sampled_from(NAMES), st.floats(0, 1), max_size=len(NAMES))


def _signals(d: dict[str, float]) -> list[Signal]:
    return [Signal(name=k, score=v, source="t") for k, v in d.items()]


def _action(d: dict[str, float], country: str, stage: Stage, images: bool, tier: str = "free") -> Action:
    res = POLICY.resolve(Actor(user_id="u", country=country, tier=tier))
    return POLICY.evaluate(res, _signals(d), stage, (), images).action


@settings(max_examples=300, deadline=None)
@given(scores, st.sampled_from(NAMES), st.floats(0, 1), st.sampled_from(COUNTRIES),
       st.sampled_from(list(Stage)), st.booleans())
def test_raising_a_score_never_lowers_the_action(d: dict[str, float], name: str, bump: float,
                                                   country: str, stage: Stage, images: bool) -> None:
    before = _action(d, country, stage, images)
    raised = dict(d)
    raised[name] = max(d.get(name, 0.0), bump)
    assert _action(raised, country, stage, images) >= before


@settings(max_examples=200, deadline=None)
@given(scores, st.sampled_from(COUNTRIES), st.sampled_from(list(Stage)), st.booleans())
def test_evaluation_is_deterministic(d: dict[str, float], country: str, stage: Stage, images: bool) -> None:
    res = POLICY.resolve(Actor(user_id="u", country=country))
    a = POLICY.evaluate(res, _signals(d), stage, (), images)
    b = POLICY.evaluate(res, list(reversed(_signals(d))), stage, (), images)
    assert a == b


@settings(max_examples=200, deadline=None)
@given(scores, st.sampled_from(COUNTRIES), st.sampled_from(list(Stage)), st.booleans(),
       st.sampled_from(["free", "premium", "enterprise", "verified", ""]))
def test_tier_never_changes_the_action(d: dict[str, float], country: str, stage: Stage, images: bool,
                                       tier: str) -> None:
    assert _action(d, country, stage, images, tier or "x") == _action(d, country, stage, images, "free")


@settings(max_examples=100, deadline=None)
@given(scores, st.sampled_from(COUNTRIES), st.sampled_from(list(Stage)), st.booleans(),
       st.sampled_from(["text", "vision", "hashing"]))
def test_a_failure_is_never_an_allow(d: dict[str, float], country: str, stage: Stage, images: bool,
                                     who: str) -> None:
    res = POLICY.resolve(Actor(user_id="u", country=country))
    f = [AnalyzerFailure(analyzer=who, kind="timeout", message="t")]
    r = POLICY.evaluate(res, _signals(d), stage, f, images)
    assert r.action >= Action.REVIEW
    assert any(h.category == "analyzer_failure" for h in r.hits)


@settings(max_examples=150, deadline=None)
@given(scores, st.sampled_from(list(Stage)), st.booleans())
def test_every_pack_is_at_least_as_strict_as_the_floor(d: dict[str, float], stage: Stage, images: bool) -> None:
    floor = POLICY.library.get("floor")
    base = evaluate([floor], _signals(d), stage, (), images).action
    for pack in POLICY.library.packs():
        assert evaluate([pack], _signals(d), stage, (), images).action >= base, pack.id


def test_strictest_pack_wins_and_hits_name_their_pack() -> None:
    res = POLICY.resolve(Actor(user_id="u", country="US"))
    r = POLICY.evaluate(res, _signals({"sexual_intent": 0.9, "minor_reference": 0.9}), Stage.REQUEST)
    assert r.action is Action.BLOCK_AND_REPORT
    hit = next(h for h in r.hits if h.rule_id == "floor.minor.request_text")
    assert "NCMEC_CyberTipline" in hit.report_to  # the US pack's metadata wins over the bare floor rule
    assert hit.preservation_days == 365


def test_where_filters_on_evidence() -> None:
    res = POLICY.resolve(Actor(user_id="u", country="ZZ"))
    s = [Signal(name="hash_match", score=1.0, source="t", evidence={"bank_kind": "negative", "state": "active"})]
    assert POLICY.evaluate(res, s, Stage.REQUEST, (), True).action is Action.ALLOW


def test_digest_depends_on_the_packs_applied() -> None:
    a = POLICY.resolve(Actor(user_id="u", country="ZZ")).digest
    b = POLICY.resolve(Actor(user_id="u", country="US")).digest
    assert a != b and len(a) == 64
    assert POLICY.resolve(Actor(user_id="v", country="US", tier="premium")).digest == b


def test_messages_follow_the_request_language() -> None:
    msg, lang = POLICY.message(Action.BLOCK, "real_person_nudity", "fr")
    assert lang == "fr" and "refusée" in msg
    msg, lang = POLICY.message(Action.BLOCK, "real_person_nudity", "xx")
    assert lang == "en"


def test_operator_jurisdictions_take_pack_ids_or_country_codes() -> None:
    import pytest

    from garde.errors import UnknownJurisdiction

    p = Policy(extra_jurisdictions=["eu", "UK"])
    assert [x.id for x in p.extra] == ["eu", "uk"]
    assert set(p.resolve(Actor(user_id="u", country="US")).ids) == {"default", "us", "eu", "uk"}
    with pytest.raises(UnknownJurisdiction, match="'XQ'"):
        Policy(extra_jurisdictions=["XQ"])

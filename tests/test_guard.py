"""The guard: concurrency, timeouts, failures, the output check and the guarded wrapper."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from garde.analyzers import AnalysisContext, FakeAnalyzer
from garde.errors import GardeError, InputError, StoreError, UnknownJurisdiction
from garde.guard import Guard, suspended_pre_check
from garde.model import Action, Actor, Decision, Image, Request, Signal, Stage
from garde.store import InMemoryDecisionLog

PHOTO = Image(data=b"\x89PNG fake bytes", name="p.png")


def _req(prompt: str = "make the sky bluer", country: str = "FR", tier: str = "free",
         images: tuple[Image, ...] = ()) -> Request:
    return Request(prompt=prompt, actor=Actor(user_id="u1", country=country, tier=tier), images=images)


def _guard(*fakes: FakeAnalyzer, timeout: float = 2.0) -> Guard:
    return Guard(analyzers=list(fakes), log=InMemoryDecisionLog(), timeout=timeout)


def test_allow_is_logged_with_versions_and_digest() -> None:
    g = _guard(FakeAnalyzer(name="text", version="t1", scores={"sexual_intent": 0.01}))
    d = g.check_request(_req())
    assert d.action is Action.ALLOW and d.allowed
    assert d.analyzer_versions == {"text": "t1"} and len(d.policy_digest) == 64
    assert g.log.count() == 1 and g.log.verify().ok


def test_sexualising_request_blocks_with_reason() -> None:
    g = _guard(FakeAnalyzer(name="text", scores={"sexual_intent": 0.97, "revealing_attire": 0.9}))
    d = g.check_request(_req("put her in a bikini"))
    assert d.action is Action.BLOCK and "default.text.sexual_request" in d.rule_ids
    assert d.hits[0].reason and d.message


@pytest.mark.parametrize(
    ("fake", "kind"),
    [(FakeAnalyzer(name="vision", fail=RuntimeError("boom")), "exception"),
     (FakeAnalyzer(name="vision", delay=1.5), "timeout")],
)
def test_failures_fail_closed(fake: FakeAnalyzer, kind: str) -> None:
    g = _guard(FakeAnalyzer(name="text", scores={"sexual_intent": 0.0}), fake, timeout=0.5)
    d = g.check_request(_req(images=(PHOTO,)))
    assert d.action >= Action.BLOCK
    assert [e.kind for e in d.analyzer_errors] == [kind]


def test_missing_models_fail_closed_for_images() -> None:
    from garde.guard import _Missing

    g = Guard(analyzers=[FakeAnalyzer(name="text"), _Missing(name="vision", why="x", images_only=True)],
              log=InMemoryDecisionLog())
    assert g.check_request(_req()).action is Action.ALLOW  # no image: vision has nothing to say
    d = g.check_request(_req(images=(PHOTO,)))
    assert d.action is Action.BLOCK and d.analyzer_errors[0].kind == "missing_model"


def test_images_only_analysers_are_not_scheduled_without_images() -> None:
    calls: list[str] = []

    class Counting(FakeAnalyzer):
        images_only = True

        def analyze(self, ctx):  # type: ignore[no-untyped-def]
            calls.append(ctx.stage.value)
            return super().analyze(ctx)

    g = Guard(analyzers=[FakeAnalyzer(name="text"), Counting(name="vision", fail=RuntimeError("boom"))],
              log=InMemoryDecisionLog())
    d = g.check_request(_req())
    assert calls == [] and d.action is Action.ALLOW and "vision" in d.analyzer_versions
    d = g.check_request(_req(images=(PHOTO,)))  # with an image it runs, and its failure fails closed
    assert calls == ["request"] and d.action >= Action.REVIEW and d.analyzer_errors[0].analyzer == "vision"


def test_analysers_run_concurrently() -> None:
    import time

    fakes = [FakeAnalyzer(name=f"a{i}", delay=0.4) for i in range(3)]
    g = _guard(*fakes)
    t0 = time.perf_counter()
    g.check_request(_req())
    assert time.perf_counter() - t0 < 1.1  # three 0.4 s analysers, not 1.2 s in a row


def test_unknown_country_is_an_input_error_before_analysis() -> None:
    fake = FakeAnalyzer(name="text")
    with pytest.raises(UnknownJurisdiction, match="'XQ'"):
        _guard(fake).check_request(_req(country="XQ"))
    assert fake.calls == 0


def test_guarded_runs_generator_only_when_allowed_and_withholds_bad_outputs() -> None:
    class Delta:
        name, version, stages = "vision", "v", frozenset({Stage.OUTPUT})

        def analyze(self, ctx: AnalysisContext) -> list[Signal]:
            wears_less = ctx.output is not None and ctx.output.data == b"less"
            return [Signal(name="real_person", score=0.95, source="v@v", subject="output"),
                    Signal(name="exposure_increase", score=0.9 if wears_less else 0.0, source="v@v")]

    calls: list[str] = []

    def generator(req: Request) -> bytes:
        calls.append(req.prompt)
        return b"less" if "swim" in req.prompt else b"same"

    text = FakeAnalyzer(name="text", stages=frozenset({Stage.REQUEST}))
    g = Guard(analyzers=[text, Delta()], log=InMemoryDecisionLog())
    safe = g.guarded(generator)
    ok = safe(_req("make the sky bluer", images=(PHOTO,), country="US"))
    assert ok.released and ok.output_decision is not None and ok.output_decision.action is Action.ALLOW
    # in the EU the same harmless edit of a real person is released with a label (AI Act Art 50(4))
    eu = safe(_req("make the sky bluer", images=(PHOTO,), country="FR"))
    assert eu.released and eu.output_decision is not None and eu.output_decision.action is Action.LABEL
    # the words are harmless to the text analyser, but the output wears less: withheld
    bad = safe(_req("beach day vibes swim", images=(PHOTO,)))
    assert not bad.released and bad.output_decision is not None
    assert bad.output_decision.action is Action.BLOCK
    assert "default.real_person.revealing_output" in bad.output_decision.rule_ids or \
        "floor.real_person.exposure_increase" in bad.output_decision.rule_ids
    text.scores = {"sexual_intent": 0.99}
    refused = safe(_req("put her in a bikini", images=(PHOTO,)))
    assert refused.output_decision is None and len(calls) == 3
    assert g.log.verify().ok and g.log.count() == 7


def test_output_of_a_refused_request_is_never_released() -> None:
    g = _guard(FakeAnalyzer(name="text", scores={"sexual_intent": 0.99}))
    req = _req("put her in a bikini")
    d = g.check_request(req)
    out = g.check_output(req, Image(data=b"x"), d)
    assert out.action is Action.BLOCK and out.parent_decision_id == d.decision_id


def test_output_check_rejects_a_foreign_decision() -> None:
    g = _guard(FakeAnalyzer(name="text"))
    d = g.check_request(_req())
    with pytest.raises(InputError, match="belongs to request"):
        g.check_output(_req(), Image(data=b"x"), d)


def test_dead_log_fails_closed() -> None:
    class DeadLog(InMemoryDecisionLog):
        def append(self, *a: object, **k: object) -> object:  # type: ignore[override]
            raise StoreError("database 'x' is unavailable: connection refused")

    g = Guard(analyzers=[FakeAnalyzer(name="text")], log=DeadLog())
    d = g.check_request(_req())
    assert d.action is Action.BLOCK and d.analyzer_errors[-1].analyzer == "store"


def test_suspended_actor_is_refused_before_analysis() -> None:
    fake = FakeAnalyzer(name="text")
    g = Guard(analyzers=[fake], log=InMemoryDecisionLog(),
              pre_checks=[suspended_pre_check(lambda uid: "suspended until 2026-12-01" if uid == "u1" else None)])
    d = g.check_request(_req())
    assert d.action is Action.BLOCK and d.rule_ids == ("garde.actor_suspended",) and fake.calls == 0


def test_prepare_runs_first_and_the_context_is_closed_on_every_path() -> None:
    events: list[str] = []

    class Preparing(FakeAnalyzer):
        def prepare(self, ctx: AnalysisContext) -> None:
            events.append(f"prepare:{ctx.stage.value}")
            ctx.on_close(lambda: events.append("close"))

        def analyze(self, ctx: AnalysisContext) -> list[Signal]:
            events.append("analyze")
            return list(super().analyze(ctx))

    class Broken(FakeAnalyzer):
        def prepare(self, ctx: AnalysisContext) -> None:
            raise RuntimeError("a hint failed")

    def pre(r: Request) -> None:
        events.append("pre-check")

    fake = Preparing(name="text", scores={"sexual_intent": 0.01})
    g = Guard(analyzers=[fake, Broken(name="other")], log=InMemoryDecisionLog(), pre_checks=[pre])
    req = _req()
    d = g.check_request(req)
    assert d.allowed and events == ["prepare:request", "pre-check", "analyze", "close"]
    events.clear()
    g.check_output(req, PHOTO, d)
    assert events == ["prepare:output", "analyze", "close"]
    events.clear()
    refusing = Guard(analyzers=[fake], log=InMemoryDecisionLog(),
                     pre_checks=[suspended_pre_check(lambda uid: "suspended")])
    assert refusing.check_request(_req()).action is Action.BLOCK
    assert events == ["prepare:request", "close"]  # refused before analysis: closed all the same
    events.clear()

    def boom(r: Request) -> None:
        raise StoreError("database down")

    with pytest.raises(StoreError):
        Guard(analyzers=[fake], log=InMemoryDecisionLog(), pre_checks=[boom]).check_request(_req())
    assert events == ["prepare:request", "close"]


def test_hooks_never_change_a_decision() -> None:
    g = _guard(FakeAnalyzer(name="text"))
    seen: list[Decision] = []
    g.on_decision.append(lambda d, r: seen.append(d))
    g.on_decision.append(lambda d, r: (_ for _ in ()).throw(GardeError("hook down")))
    assert g.check_request(_req()).action is Action.ALLOW and len(seen) == 1


@settings(max_examples=40, deadline=None)
@given(st.floats(0, 1), st.floats(0, 1), st.sampled_from(["free", "premium", "x-paid", "enterprise"]),
       st.sampled_from(["ZZ", "US", "US-CA", "FR"]))
def test_tier_never_changes_the_decision(s: float, m: float, tier: str, country: str) -> None:
    g = _guard(FakeAnalyzer(name="text", scores={"sexual_intent": s, "minor_reference": m}))
    a = g.check_request(_req(tier="free", country=country)).action
    b = g.check_request(_req(tier=tier, country=country)).action
    assert a == b

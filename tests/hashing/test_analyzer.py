"""The hashing analyser in a Guard: signals, policy outcome, hashes stored with decisions."""

from __future__ import annotations

from sqlalchemy import select
from tests.hashing.conftest import synthetic, to_bytes

from garde.analyzers import AnalysisContext, Analyzer, FakeAnalyzer
from garde.guard import Guard
from garde.hashing.analyzer import HashAnalyzer, default_analyzer
from garde.hashing.banks import BankStore, NewHash
from garde.model import Action, Actor, Image, Request, Stage
from garde.store import Database, SqlDecisionLog
from garde.store.tables import decision_images


def _req(*images: Image, country: str = "US") -> Request:
    return Request(prompt="make the sky bluer", actor=Actor(user_id="u1", country=country), images=images)


def test_protocol_and_default_analyzer_without_banks() -> None:
    a = default_analyzer()
    assert isinstance(a, Analyzer) and a.name == "hashing" and a.stages == {Stage.REQUEST, Stage.OUTPUT}
    ctx = AnalysisContext(request=_req(Image(data=to_bytes(synthetic(1)), name="a.png")), stage=Stage.REQUEST)
    sigs = a.analyze(ctx)  # no banks: no match; only the informational image_hash when it is registered
    assert {s.name for s in sigs} <= {"image_hash"}
    assert a.recent_hashes(ctx.request.images[0].sha256) is not None  # but hashed
    assert HashAnalyzer(None).analyze(ctx) == []


def test_signals_and_policy(db: Database) -> None:
    store = BankStore(db)
    store.create_bank("victims", "victim_submitted")
    store.create_bank("hotline", "known_abuse", quarantine_over=0)
    victim, abuse, other = synthetic(41), synthetic(42), synthetic(43)
    store.add_images("victims", [(to_bytes(victim), "v.png")], submitted_by="ngo", takedown=False)
    store.add("hotline", [NewHash(hash_type="sha256", hash=Image(data=to_bytes(abuse)).sha256)], submitted_by="feed")
    analyzer = HashAnalyzer(store)
    with Guard(analyzers=[FakeAnalyzer(name="text"), analyzer], log=SqlDecisionLog(db)) as g:
        g.on_decision.append(analyzer.record_decision_hashes)
        d = g.check_request(_req(Image(data=to_bytes(victim.transpose(0), "JPEG", quality=70), name="m.jpg")))
        assert d.action is Action.BLOCK and "floor.hash.victim" in d.rule_ids
        sig = next(s for s in d.signals if s.name == "hash_match")
        ev = sig.evidence
        assert ev["bank"] == "victims" and ev["bank_kind"] == "victim_submitted" and ev["state"] == "active"
        assert ev["distance"] <= 31 and ev["query_variant"] != "orig" and sig.subject == "image:0"
        assert len(ev["pdq"]) == 64 and ev["sha256"] == d.image_sha256[0]
        # quarantined exact entry: review only
        d2 = g.check_request(_req(Image(data=to_bytes(abuse), name="a.png")))
        assert d2.action is Action.REVIEW and d2.rule_ids == ("floor.hash.quarantined",)
        assert [s.name for s in d2.signals if s.source.startswith("hashing")] == ["exact_hash_match"]
        d3 = g.check_request(_req(Image(data=to_bytes(other), name="o.png")))
        assert d3.action is Action.ALLOW
        # confirming makes it block_and_report, without restarting the guard
        entry = store.entries("hotline")[0]
        store.confirm(entry.id, by="mod")
        d4 = g.check_request(_req(Image(data=to_bytes(abuse), name="a.png")))
        assert d4.action is Action.BLOCK_AND_REPORT
        # the hook stored the PDQ of every image, matched or not
        with db.begin() as conn:
            rows = conn.execute(select(decision_images.c.decision_id, decision_images.c.pdq,
                                       decision_images.c.pdq_quality)).all()
        assert len(rows) == 4 and all(r.pdq and len(r.pdq) == 64 and r.pdq_quality >= 50 for r in rows)


def test_output_stage_subject(db: Database) -> None:
    store = BankStore(db)
    store.create_bank("protected", "protected")
    im = synthetic(51)
    store.add_images("protected", [(to_bytes(im), "p.png")], submitted_by="op", takedown=False)
    a = HashAnalyzer(store)
    req = _req(Image(data=to_bytes(synthetic(52)), name="in.png"))
    ctx = AnalysisContext(request=req, stage=Stage.OUTPUT, output=Image(data=to_bytes(im), name="out"))
    sigs = a.analyze(ctx)
    assert {s.subject for s in sigs} == {"output"} and {s.name for s in sigs} == {"hash_match", "exact_hash_match"}
    assert all(0.5 < s.score <= 1.0 for s in sigs)


def test_image_hash_signal_lets_the_guard_store_hashes_with_any_log() -> None:
    """With ``emit_image_hash`` (on by default once ``image_hash`` is a registered signal), the guard's own
    ``_record`` stores sha256/pdq/pdq_quality of every image, matched or not, without any hook."""
    from garde.store import InMemoryDecisionLog

    log = InMemoryDecisionLog()
    with Guard(analyzers=[FakeAnalyzer(name="text"), HashAnalyzer(None, emit_image_hash=True)], log=log) as g:
        d = g.check_request(_req(Image(data=to_bytes(synthetic(81)), name="a.png")))
    assert d.action is Action.ALLOW
    assert [s.evidence["pdq_quality"] / 100 for s in d.signals if s.name == "image_hash"] == [
        s.score for s in d.signals if s.name == "image_hash"]
    assert len(log.images) == 1 and len(log.images[0]["pdq"]) == 64 and log.images[0]["pdq_quality"] >= 50

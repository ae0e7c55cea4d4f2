"""Enforcer behaviour on the in-memory fakes, and the ledger contract on every backend."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from garde.analyzers import FakeAnalyzer
from garde.enforce.enforcer import Enforcer, VictimHash
from garde.enforce.ledger import Hold, InMemoryLedger, Ledger, SqlLedger, Strike
from garde.enforce.preservation import FilePreservationStore, InMemoryPreservationStore
from garde.enforce.transparency import percentile
from garde.errors import InputError, NotFound, Suspended
from garde.guard import Guard
from garde.model import Action, Actor, Image, Request, Stage
from garde.policy import Policy
from garde.store import Database, InMemoryDecisionLog

POLICY = Policy()


class Clock:
    def __init__(self) -> None:
        self.t = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.t


@pytest.fixture
def setup() -> Iterator[tuple[Guard, Enforcer, FakeAnalyzer, FakeAnalyzer, Clock]]:
    text = FakeAnalyzer(name="text", stages=frozenset({Stage.REQUEST}))
    vision = FakeAnalyzer(name="vision")
    log = InMemoryDecisionLog()
    guard = Guard(analyzers=[text, vision], policy=POLICY, log=log)
    clock = Clock()
    enf = Enforcer(policy=POLICY, log=log, clock=clock, preservation=InMemoryPreservationStore())
    enf.attach(guard)
    yield guard, enf, text, vision, clock
    guard.close()


def _req(user: str = "u1", country: str = "US", data: bytes = b"img") -> Request:
    return Request(prompt="p", actor=Actor(user_id=user, country=country), images=(Image(data=data),))


def test_review_opens_case_with_default_due(setup: tuple[Guard, Enforcer, FakeAnalyzer, FakeAnalyzer, Clock]) -> None:
    guard, enf, _text, vision, _ = setup
    vision.scores = {"hash_match": 0.9}
    vision.evidence = {"hash_match": {"bank_kind": "x", "state": "quarantined"}}
    d = guard.check_request(_req(country="FR"))
    assert d.action is Action.REVIEW
    [c] = enf.cases.for_decision(d.decision_id)
    assert c.kind == "hash_match" and c.due_at is not None
    assert abs((c.due_at - d.created_at).total_seconds() - 24 * 3600) < 1
    assert enf.strikes("u1") == []  # review is not a strike


def test_victim_hash_match_due_from_pack(setup: tuple[Guard, Enforcer, FakeAnalyzer, FakeAnalyzer, Clock]) -> None:
    guard, enf, _, vision, _ = setup
    vision.scores = {"hash_match": 0.9}
    vision.evidence = {"hash_match": {"bank_kind": "victim_submitted", "state": "active"}}
    d = guard.check_request(_req(country="IN"))
    assert d.action is Action.BLOCK
    [c] = enf.cases.for_decision(d.decision_id)
    assert c.kind == "hash_match" and c.due_at is not None
    assert abs((c.due_at - d.created_at).total_seconds() - 2 * 3600) < 1  # India: 2 h


def test_hold_expires_and_files_are_deleted(setup: tuple[Guard, Enforcer, FakeAnalyzer, FakeAnalyzer, Clock]) -> None:
    guard, enf, text, _, clock = setup
    text.scores = {"sexual_intent": 0.9, "minor_reference": 0.9}
    d = guard.check_request(_req(country="CA", data=b"evidence-bytes"))
    assert d.action is Action.BLOCK_AND_REPORT
    [c] = enf.cases.for_decision(d.decision_id)
    [h] = enf.holds()
    assert (h.expires_at - h.created_at) == timedelta(days=21)  # Canada
    assert {r.destination for r in enf.reports(c.id)} == {"C3P", "competent_authorities"}
    [pkg, _] = enf.package(c.id, include_files=True)
    assert pkg["content"]["files_included"] and pkg["content"]["files"][0]["sha256"] == h.evidence["preserved_files"][0]
    [plain, _] = enf.package(c.id)
    assert "files" not in plain["content"] and "evidence-bytes" not in json.dumps(plain)
    clock.t += timedelta(days=22)
    assert enf.holds() == []
    [released] = enf.holds(active_only=False)
    assert released.released_by == "garde" and released.release_note == "expired"
    with pytest.raises(NotFound):
        enf.preservation.get(h.evidence["preserved_files"][0])  # type: ignore[union-attr]
    with pytest.raises(InputError, match=h.id):
        enf.release(h.id, by="mod")


def test_files_only_with_a_preservation_store() -> None:
    enf = Enforcer(policy=POLICY)
    guard = Guard(analyzers=[FakeAnalyzer(name="text", scores={"sexual_intent": 0.9, "minor_reference": 0.9})],
                  policy=POLICY, log=enf.log)
    enf.attach(guard)
    d = guard.check_request(_req())
    [c] = enf.cases.for_decision(d.decision_id)
    assert enf.holds()[0].evidence["preserved_files"] == []
    with pytest.raises(InputError, match="preservation store"):
        enf.package(c.id, include_files=True)
    with pytest.raises(NotFound, match="'Interpol'"):
        enf.package(c.id, destination="Interpol")
    with pytest.raises(Suspended, match="'u1'"):
        enf.check_not_suspended("u1")
    guard.close()


def test_report_hook_sends_and_marks(setup: tuple[Guard, Enforcer, FakeAnalyzer, FakeAnalyzer, Clock]) -> None:
    guard, enf, text, _, _ = setup
    sent: list[dict[str, object]] = []
    enf.report_hook = sent.append
    text.scores = {"sexual_intent": 0.9, "minor_reference": 0.9}
    d = guard.check_request(_req(country="GB"))
    [c] = enf.cases.for_decision(d.decision_id)
    assert [p["destination"] for p in sent] == ["NCA"]
    assert enf.cases.get(c.id).state == "reported" and enf.reports(c.id)[0].sent_by == "garde"


def test_the_decision_hook_releases_expired_holds_at_most_every_release_every(
        setup: tuple[Guard, Enforcer, FakeAnalyzer, FakeAnalyzer, Clock]) -> None:
    guard, enf, text, _, clock = setup
    text.scores = {"sexual_intent": 0.9, "minor_reference": 0.9}
    guard.check_request(_req(country="CA"))
    [h] = enf.ledger.find(Hold, released_at=None)
    clock.t = h.expires_at + timedelta(seconds=1)
    text.scores = {}
    calls: list[datetime] = []
    real = enf.release_expired

    def counting() -> list[Hold]:
        calls.append(clock.t)
        return real()

    enf.release_expired = counting  # type: ignore[method-assign]
    guard.check_request(_req(user="u2"))  # the first decision after the period releases the hold
    assert len(calls) == 1 and enf.ledger.find(Hold, released_at=None) == []
    clock.t += enf.release_every / 2
    guard.check_request(_req(user="u3"))
    assert len(calls) == 1  # not again within the period
    clock.t += enf.release_every
    guard.check_request(_req(user="u4"))
    assert len(calls) == 2


def test_time_window_and_reversal(setup: tuple[Guard, Enforcer, FakeAnalyzer, FakeAnalyzer, Clock]) -> None:
    guard, enf, text, _vision, clock = setup
    text.scores = {"sexual_intent": 0.9}
    for _ in range(2):
        guard.check_request(_req())
    clock.t += timedelta(days=31)  # the first two fall out of the 30-day window
    guard.check_request(_req())
    assert enf.active_suspension("u1") is None and enf.strike_total("u1", 30) == 1
    guard.check_request(_req())
    guard.check_request(_req())
    s = enf.active_suspension("u1")
    assert s is not None and s.kind == "temporary"
    clock.t += timedelta(days=8)
    assert enf.active_suspension("u1") is None  # expired
    stk = enf.strikes("u1")[0]
    enf.reverse_strike(stk.id, by="mod", note="appeal")
    with pytest.raises(InputError, match=stk.id):
        enf.reverse_strike(stk.id, by="mod")
    with pytest.raises(NotFound, match="'stk_nope'"):
        enf.reverse_strike("stk_nope", by="mod")
    with pytest.raises(InputError, match="'  '"):
        enf.reverse_strike(enf.strikes("u1")[1].id, by="  ")


def test_notice_by_hash_and_victim_bank(setup: tuple[Guard, Enforcer, FakeAnalyzer, FakeAnalyzer, Clock]) -> None:
    guard, enf, _text, _vision, _ = setup
    banked: list[VictimHash] = []
    enf.victim_bank = lambda vh: banked.append(vh) or "entry-1"
    req = _req(country="AU")
    d = guard.check_request(req)
    out_img = Image(data=b"generated output")
    guard.check_output(req, out_img, d)
    c = enf.submit_notice(reporter="victim", sha256=out_img.sha256)
    assert c.country == "AU" and c.actor_id == "u1" and c.due_at is not None
    assert abs((c.due_at - c.created_at).total_seconds() - 24 * 3600) < 1  # Australia: 24 h
    c = enf.act(c.id, action="confirm", by="mod")
    assert banked[0].sha256 == out_img.sha256 and c.subject["victim_bank"]["status"] == "banked"
    with pytest.raises(InputError, match="a decision id, a URL or a hash"):
        enf.submit_notice(reporter="x")
    with pytest.raises(InputError, match="'ftp://x'"):
        enf.submit_notice(reporter="x", url="ftp://x")
    with pytest.raises(InputError, match="'zz'"):
        enf.submit_notice(reporter="x", sha256="zz")
    with pytest.raises(NotFound, match="'nope'"):
        enf.submit_notice(reporter="x", decision_id="nope")
    n = enf.submit_notice(reporter="x", url="https://a.example/1", country="JP")
    assert n.due_at is None  # no removal deadline found for Japan
    t = enf.open_takedown(reason="victim hash matched earlier outputs", country="GB", sha256=out_img.sha256)
    assert t.kind == "takedown" and t.due_at is not None


def test_percentile() -> None:
    assert percentile([], 50) is None
    assert percentile([1.0, 2.0, 3.0], 50) == 2.0
    assert percentile([0.0, 10.0], 95) == pytest.approx(9.5)


def test_transparency_rejects_empty_period() -> None:
    enf = Enforcer(policy=POLICY)
    t = datetime.now(UTC)
    with pytest.raises(InputError, match="empty"):
        enf.transparency(t, t)


def test_file_preservation_store(tmp_path: object) -> None:
    from pathlib import Path

    store = FilePreservationStore(Path(str(tmp_path)) / "keep")
    sha = store.put(b"abc")
    assert store.get(sha) == b"abc"
    store.delete(sha)
    with pytest.raises(NotFound):
        store.get(sha)
    with pytest.raises(InputError, match="'../etc'"):
        store.get("../etc")


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def ledger(request: pytest.FixtureRequest) -> Iterator[Ledger]:
    if request.param == "memory":
        yield InMemoryLedger()
        return
    db = Database(request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url"))
    yield SqlLedger(db)
    db.dispose()


def test_ledger_contract(ledger: Ledger) -> None:
    t = datetime.now(UTC)
    s = Strike(id="stk_1", actor_id="a", decision_id="d", rule_id="r.x", category="c", weight=2, country="US",
               created_at=t)
    ledger.add(s)
    ledger.add(Strike(id="stk_2", actor_id="b", decision_id=None, rule_id="r.y", category="c", weight=1,
                      country="FR", created_at=t + timedelta(seconds=1)))
    assert ledger.get(Strike, "stk_1") == s
    assert [x.id for x in ledger.find(Strike)] == ["stk_1", "stk_2"]
    assert [x.id for x in ledger.find(Strike, actor_id="b")] == ["stk_2"]
    assert [x.id for x in ledger.find(Strike, decision_id=None)] == ["stk_2"]
    u = ledger.update(Strike, "stk_1", reversed_at=t, reversed_by="m", reversal_note="n")
    assert not u.active and ledger.get(Strike, "stk_1").reversed_by == "m"
    h = Hold(id="hold_1", case_id="c", country="US", evidence={"images": [{"sha256": "a"}]}, created_at=t,
             expires_at=t + timedelta(days=1))
    ledger.add(h)
    assert ledger.get(Hold, "hold_1").evidence == {"images": [{"sha256": "a"}]}
    ledger.add(Hold(id="hold_2", case_id="c", country="US", evidence={}, created_at=t,
                    expires_at=t + timedelta(days=3)))
    due = {"expires_at": t + timedelta(days=1)}  # at_most is inclusive
    assert [x.id for x in ledger.find(Hold, at_most=due)] == ["hold_1"]
    assert [x.id for x in ledger.find(Hold, released_at=None, at_most={"expires_at": t + timedelta(days=5)})] == [
        "hold_1", "hold_2"]
    assert ledger.find(Hold, at_most={"expires_at": t}) == []
    assert [x.id for x in ledger.find(Strike, at_most={"created_at": t})] == ["stk_1"]
    with pytest.raises(NotFound, match="'nope'"):
        ledger.get(Strike, "nope")
    with pytest.raises(NotFound, match="'nope'"):
        ledger.update(Hold, "nope", released_by="x")

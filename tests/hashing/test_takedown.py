"""Retroactive takedown: banking a hash opens takedown cases for earlier matching outputs, due by the
jurisdiction's removal deadline (48 h in the US)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.hashing.conftest import synthetic, to_bytes

from garde.analyzers import FakeAnalyzer
from garde.guard import Guard
from garde.hashing.analyzer import HashAnalyzer
from garde.hashing.banks import BankStore, NewHash
from garde.hashing.pdq import hash_bytes
from garde.hashing.tables import hash_takedowns
from garde.hashing.takedown import TakedownRunner, removal_deadline_hours
from garde.model import Action, Actor, Decision, Image, Request, Stage
from garde.policy import Policy
from garde.store import Database, SqlDecisionLog

cases = pytest.importorskip("garde.enforce.cases")


def _output_decision(db: Database, image: bytes, country: str) -> Decision:
    """Record an allowed output decision with its PDQ the way the guard does."""
    h = hash_bytes(image, dihedral=False)
    req = Request(prompt="make the sky bluer", actor=Actor(user_id="u1", country=country))
    d = Decision(action=Action.ALLOW, stage=Stage.OUTPUT, request_id=req.request_id, actor=req.actor,
                 policy_digest="d" * 64, image_sha256=(h.sha256,))
    SqlDecisionLog(db).append(d, req, [("output", h.sha256, h.pdq, h.quality)])
    return d


def test_deadlines_from_the_packs() -> None:
    p = Policy()
    rules = ("floor.hash.victim", "floor.real_person.nudity")
    assert removal_deadline_hours(p, "US", rules) == 48
    assert removal_deadline_hours(p, "US-CA", rules) == 48


def test_adding_a_victim_hash_opens_a_takedown_case_due_in_48h(db: Database, photos: list[Path]) -> None:
    photo = photos[0].read_bytes()
    # an earlier output: the photo, re-encoded by the generator
    from PIL import Image as PILImage
    from tests.hashing.conftest import to_bytes as tb
    released = tb(PILImage.open(photos[0]).convert("RGB"), "JPEG", quality=70)
    old = _output_decision(db, released, "US")
    unrelated = _output_decision(db, photos[1].read_bytes(), "US")
    store = BankStore(db)
    store.create_bank("victims", "victim_submitted")
    before = datetime.now(UTC)
    res = store.add_images("victims", [(photo, "mine.jpg")], submitted_by="victim:self")
    assert [t.decision_id for t in res.takedowns] == [old.decision_id]
    td = res.takedowns[0]
    assert td.deadline_hours == 48 and td.country == "US" and td.case_id
    listed = cases.CaseStore(db).list(kind="takedown")
    assert [c.id for c in listed] == [td.case_id]
    case = listed[0]
    assert case.decision_id == old.decision_id and case.decision_id != unrelated.decision_id
    assert case.country == "US" and case.state == "open"
    assert case.due_at is not None
    due = case.due_at if case.due_at.tzinfo else case.due_at.replace(tzinfo=UTC)
    assert before + timedelta(hours=48) - timedelta(minutes=1) <= due <= datetime.now(UTC) + timedelta(hours=48)
    assert case.subject["bank_kind"] == "victim_submitted" and case.subject["entry_id"] == td.entry_id
    # running again never opens a second case for the same entry and decision
    entry = store.entry(td.entry_id)
    assert TakedownRunner(db).run([entry]) == []
    assert len(cases.CaseStore(db).list(kind="takedown")) == 1


def test_takedown_through_a_guard_run_and_quarantine(db: Database) -> None:
    """The whole flow: a guard releases an output (hashes stored by the hook); later a quarantined hash
    of it opens nothing until a moderator confirms it."""
    store = BankStore(db)
    analyzer = HashAnalyzer(store)
    out_img = synthetic(61)
    with Guard(analyzers=[FakeAnalyzer(name="text"), analyzer], log=SqlDecisionLog(db)) as g:
        g.on_decision.append(analyzer.record_decision_hashes)
        req = Request(prompt="a cat", actor=Actor(user_id="u9", country="UK"))
        d = g.check_request(req)
        out = g.check_output(req, Image(data=to_bytes(out_img, "JPEG", quality=80), name="out"), d)
        assert out.allowed
    store.create_bank("stopncii", "victim_submitted", quarantine_over=0)
    h = hash_bytes(to_bytes(out_img))
    res = store.add("stopncii", [NewHash(hash_type="pdq", hash=h.pdq, quality=h.quality)], submitted_by="feed")
    assert res.quarantined and res.takedowns == ()
    _, tds = store.confirm(res.added[0].id, by="mod")
    assert [t.decision_id for t in tds] == [out.decision_id]
    c = cases.CaseStore(db).get(tds[0].case_id or "")
    assert c.kind == "takedown" and c.country in ("UK", "GB")
    assert tds[0].deadline_hours == 48


def test_takedown_without_a_case_store_is_still_recorded(db: Database) -> None:
    opened: list[dict[str, object]] = []

    def fake_open(**kw: object) -> str:
        opened.append(kw)
        return f"case-{len(opened)}"

    im = to_bytes(synthetic(71))
    d = _output_decision(db, im, "US")
    store = BankStore(db, takedowns=TakedownRunner(db, open_case=fake_open))
    store.create_bank("p", "protected")
    store.add("p", [NewHash(hash_type="sha256", hash=Image(data=im).sha256)], submitted_by="op")
    assert opened and opened[0]["kind"] == "takedown" and opened[0]["decision_id"] == d.decision_id
    with db.begin() as conn:
        assert conn.execute(select(hash_takedowns.c.case_id)).scalar_one() == "case-1"

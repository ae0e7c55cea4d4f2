"""The issue's scenario, end to end, against SQLite and the real PostgreSQL.

A US user asks to sexualise a real person (block, strike), asks again (temporary
suspension, later requests refused before analysis), wins an appeal (strike
reversed, suspension lifted), makes a minor-related request (block_and_report,
an NCMEC package, a 365-day hold, permanent suspension); a victim's notice opens
a case due in 48 h; the transparency report counts all of it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from garde.analyzers import FakeAnalyzer
from garde.enforce.enforcer import Enforcer
from garde.guard import Guard
from garde.model import Action, Actor, Image, Request, Stage
from garde.policy import Policy
from garde.store import Database, SqlDecisionLog


def _close(x: float, y: float, tol: float = 120.0) -> bool:
    return abs(x - y) <= tol


def test_full_scenario(db: Database) -> None:
    policy = Policy()
    text = FakeAnalyzer(name="text", stages=frozenset({Stage.REQUEST}))
    vision = FakeAnalyzer(name="vision")
    log = SqlDecisionLog(db)
    guard = Guard(analyzers=[text, vision], policy=policy, log=log)
    enf = Enforcer.from_database(db, policy=policy, platform="example-platform")
    enf.attach(guard)
    enf.attach(guard)  # idempotent
    assert guard.pre_checks.count(enf.pre_check) == 1 and guard.on_decision.count(enf.on_decision) == 1
    user = Actor(user_id="u-123", country="US", tier="premium")
    photo = Image(data=b"\x89PNG a photo of a real woman", name="photo.png")
    t0 = datetime.now(UTC)

    def ask(prompt: str) -> Request:
        return Request(prompt=prompt, actor=user, images=(photo,), surface="chat-reply")

    try:
        # 1. a sexualising request of a real person: block, one strike
        text.scores = {"sexual_intent": 0.95}
        vision.scores = {"real_person": 0.97, "person_present": 0.99}
        d1 = guard.check_request(ask("put her in a bikini"))
        assert d1.action is Action.BLOCK
        s1 = enf.strikes("u-123")
        assert len(s1) == 1 and s1[0].weight == 1 and s1[0].decision_id == d1.decision_id
        assert enf.active_suspension("u-123") is None

        # 2. the repeat, worse: nudity (weight 2) reaches the floor's threshold of 3 in 30 days
        text.scores = {"sexual_intent": 0.95, "nudity_intent": 0.93}
        d2 = guard.check_request(ask("now remove her clothes"))
        assert d2.action is Action.BLOCK and "floor.real_person.nudity_request" in d2.rule_ids
        susp = enf.active_suspension("u-123")
        assert susp is not None and susp.kind == "temporary" and susp.ends_at is not None
        assert _close((susp.ends_at - susp.starts_at).total_seconds(), 7 * 86400)

        # 3. suspended: refused before any analysis
        calls = (text.calls, vision.calls)
        d3 = guard.check_request(ask("a landscape please"))
        assert d3.action is Action.BLOCK and d3.rule_ids == ("garde.actor_suspended",)
        assert (text.calls, vision.calls) == calls
        assert "u-123" in d3.hits[0].reason and len(enf.strikes("u-123")) == 2  # no strike for a refusal

        # appeal: a moderator reverses the first strike; the suspension is lifted; both logged
        enf.reverse_strike(s1[0].id, by="mod-ann", note="appeal: costume photo of a consenting model")
        assert enf.active_suspension("u-123") is None
        actions = [a.action for a in enf.audit_log("u-123")]
        assert "strike_reversed" in actions and "suspension_lifted" in actions

        # 4. a minor-related request: block_and_report, NCMEC package, 365-day hold, permanent suspension
        text.scores = {"sexual_intent": 0.96, "minor_reference": 0.91}
        d4 = guard.check_request(ask("make her look 14 in lingerie"))
        assert d4.action is Action.BLOCK_AND_REPORT and "floor.minor.request_text" in d4.rule_ids
        susp = enf.active_suspension("u-123")
        assert susp is not None and susp.kind == "permanent" and susp.ends_at is None
        [case] = enf.cases.for_decision(d4.decision_id)
        assert case.kind == "block_and_report" and case.state == "open" and case.country == "US"
        assert case.due_at is not None
        [hold] = enf.holds(case_id=case.id)
        assert _close((hold.expires_at - hold.created_at).total_seconds(), 365 * 86400)
        [rep] = enf.reports(case.id)
        assert rep.destination == "NCMEC_CyberTipline" and rep.sent_at is None
        pkg = rep.package
        assert pkg["incident"]["category"] == "minor_sexualisation"
        assert pkg["actor"]["user_id"] == "u-123" and pkg["actor"]["country"] == "US"
        assert pkg["content"]["images"][0]["sha256"] == photo.sha256 and not pkg["content"]["files_included"]
        assert pkg["decision"]["decision_id"] == d4.decision_id
        assert pkg["decision"]["rules"][0]["rule_id"] == "floor.minor.request_text"
        assert pkg["review"]["human_reviewed"] is False
        assert pkg["preservation"]["hold_id"] == hold.id
        assert "a photo of a real woman" not in json.dumps(pkg) and "lingerie" not in json.dumps(pkg)
        # later requests, even harmless ones, are refused
        assert guard.check_request(ask("a cat")).rule_ids == ("garde.actor_suspended",)

        # a moderator reviews and sends it; the rebuilt package says a person reviewed it
        enf.act(case.id, action="start_review", by="mod-ann")
        [pkg2] = enf.package(case.id)
        assert pkg2["review"]["human_reviewed"] is True and pkg2["package_id"] == rep.id
        case = enf.act(case.id, action="report", by="mod-ann", note="sent via CyberTipline API")
        assert case.state == "reported" and enf.reports(case.id)[0].sent_by == "mod-ann"

        # 5. a victim's notice about the first output: a case due in 48 h (US, TAKE IT DOWN Act)
        notice = enf.submit_notice(reporter="victim-rep", decision_id=d1.decision_id,
                                   url="https://social.example/p/991", sha256="ab" * 32,
                                   description="edited photo of me")
        assert notice.kind == "notice" and notice.country == "US" and notice.actor_id == "u-123"
        assert notice.due_at is not None
        assert _close((notice.due_at - notice.created_at).total_seconds(), 48 * 3600)
        assert enf.notice_outcome(notice.id)["outcome"] == "pending"
        enf.act(notice.id, action="confirm", by="mod-bo", note="intimate deepfake; removed")
        out = enf.notice_outcome(notice.id)
        assert out["outcome"] == "removed" and out["deadline_met"] is True
        assert out["victim_bank"] in ("banked", "recorded")

        # 6. the transparency report counts all of it
        rep_t = enf.transparency(t0 - timedelta(hours=1), datetime.now(UTC) + timedelta(hours=1)).to_json()
        dec = rep_t["decisions"]
        assert dec["total"] == 5
        assert dec["by_action"] == {"block": 4, "block_and_report": 1}
        assert dec["by_jurisdiction"] == {"US": 5} and dec["by_surface"] == {"chat-reply": 5}
        assert dec["by_category"]["minor_sexualisation"] == 1 and dec["by_category"]["actor_suspended"] == 2
        assert rep_t["reports"] == {"NCMEC_CyberTipline": {"built": 1, "sent": 1}}
        assert rep_t["notices"]["received"] == 1 and rep_t["notices"]["actioned"] == 1
        assert rep_t["notices"]["median_hours_to_action"] is not None
        assert rep_t["notices"]["p95_hours_to_action"] is not None
        assert rep_t["cases"]["decided"] == 2 and rep_t["cases"]["share_decided_by_human"] == 1.0
        assert rep_t["enforcement"] == {"strikes": 3, "strikes_reversed": 1, "suspensions_temporary": 1,
                                        "suspensions_permanent": 1}
        assert log.verify().ok
    finally:
        guard.close()

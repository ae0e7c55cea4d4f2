"""The Enforcer: strikes, suspensions, cases, report packages, preservation holds and notices, from the packs.

::

    db = Database()
    enforcer = Enforcer.from_database(db, policy=guard.policy)
    enforcer.attach(guard)      # refuses suspended actors before analysis; acts on every decision

Everything it does comes from the policy packs that apply to the actor's
country: strike weights and ``suspend`` from the rules, thresholds
(``suspend_after_strikes`` within ``window_days``, ``suspension_days``) from the
packs' ``enforcement`` block, destinations from ``report_to``, holds from
``preservation_days`` and deadlines from ``removal_deadline_hours``. There is no
country in this file.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from garde.enforce._util import check_who, new_id, now, utc
from garde.enforce.cases import SYSTEM, Case, CaseStore, CaseStoreProtocol, InMemoryCaseStore, removal_deadline
from garde.enforce.ledger import AuditEvent, Hold, InMemoryLedger, Ledger, ReportRecord, SqlLedger, Strike, Suspension
from garde.enforce.packages import build_package
from garde.enforce.preservation import PreservationStore
from garde.enforce.transparency import TransparencyReport, transparency_report
from garde.errors import GardeError, InputError, NotFound
from garde.guard import suspended_pre_check
from garde.model import Action, Actor, Decision, Request, RuleHit
from garde.policy import Policy, default_policy
from garde.policy.schema import ResolvedPack, Rule
from garde.store.db import Database
from garde.store.log import DecisionLog, InMemoryDecisionLog, SqlDecisionLog

if TYPE_CHECKING:
    from garde.guard import Guard

__all__ = ["Enforcer", "Thresholds", "VictimHash"]

log = logging.getLogger("garde.enforce")

_SUSPEND_ORDER = {"none": 0, "temporary": 1, "permanent": 2}


@dataclass(frozen=True, slots=True, kw_only=True)
class Thresholds:
    """The strictest strike thresholds across the packs that apply to an actor."""

    suspend_after_strikes: int
    window_days: int
    suspension_days: int

    @classmethod
    def of(cls, packs: Sequence[ResolvedPack]) -> Thresholds:
        return cls(suspend_after_strikes=min(p.suspend_after_strikes for p in packs),
                   window_days=max(p.window_days for p in packs),
                   suspension_days=max(p.suspension_days for p in packs))


@dataclass(frozen=True, slots=True, kw_only=True)
class VictimHash:
    """What goes to the victim bank when a moderator confirms a notice."""

    sha256: str | None
    pdq: str | None
    case_id: str
    country: str
    confirmed_by: str


def _default_victim_bank() -> Callable[[VictimHash], str | None] | None:
    """``garde.hashing.add_victim_hash(VictimHash) -> entry id`` when the hashing package exposes it."""
    try:
        import garde.hashing as hashing
    except ImportError:
        return None
    fn = getattr(hashing, "add_victim_hash", None)
    return fn if callable(fn) else None


def _decision_summary(d: Decision) -> dict[str, Any]:
    return {
        "decision_id": d.decision_id, "request_id": d.request_id, "action": d.action.label, "stage": d.stage.value,
        "tier": d.actor.tier, "created_at": d.created_at.isoformat(), "policy_id": d.policy_id,
        "policy_digest": d.policy_digest, "jurisdictions": list(d.jurisdictions),
        "hits": [h.to_dict() for h in d.hits],
    }


class Enforcer:
    """Carries out the packs' enforcement duties on every decision of a guard."""

    def __init__(
        self,
        *,
        policy: Policy | None = None,
        cases: CaseStoreProtocol | None = None,
        ledger: Ledger | None = None,
        log: DecisionLog | None = None,
        db: Database | None = None,
        preservation: PreservationStore | None = None,
        report_hook: Callable[[dict[str, Any]], None] | None = None,
        notice_hook: Callable[[Case, dict[str, Any]], None] | None = None,
        victim_bank: Callable[[VictimHash], str | None] | None = None,
        actor_identifiers: Callable[[str], dict[str, Any]] | None = None,
        review_hours: float = 24.0,
        report_hours: float = 24.0,
        notice_hours: float | None = None,
        platform: str = "garde",
        clock: Callable[[], datetime] = now,
        release_every: timedelta = timedelta(seconds=30),
    ) -> None:
        self.policy = policy or default_policy()
        self.cases: CaseStoreProtocol = cases if cases is not None else InMemoryCaseStore()
        self.ledger: Ledger = ledger if ledger is not None else InMemoryLedger()
        self.log: DecisionLog = log if log is not None else InMemoryDecisionLog()
        self.db = db
        self.preservation = preservation
        self.report_hook = report_hook
        self.notice_hook = notice_hook
        self.victim_bank = victim_bank if victim_bank is not None else _default_victim_bank()
        self.actor_identifiers = actor_identifiers
        self.review_hours = review_hours
        self.report_hours = report_hours
        self.notice_hours = notice_hours
        self.platform = platform
        self.clock = clock
        # Holds last days; the decision hook releases expired ones at most this often (a query per
        # decision was a tenth of a text check's cost). ``holds()`` and ``release_expired()`` always do.
        self.release_every = release_every
        self._released_at: datetime | None = None
        self.pre_check = suspended_pre_check(self.suspension_reason)

    @classmethod
    def from_database(cls, db: Database, **kw: Any) -> Enforcer:
        """An enforcer whose cases, ledger and decision log live in ``db``."""
        from garde.enforce.preservation import from_env

        kw.setdefault("preservation", from_env())
        if "victim_bank" not in kw:
            try:
                from garde.hashing.victims import add_victim_hash
            except ImportError:
                pass
            else:
                kw["victim_bank"] = lambda vh: add_victim_hash(vh, db)
        return cls(cases=CaseStore(db), ledger=SqlLedger(db), log=kw.pop("log", None) or SqlDecisionLog(db),
                   db=db, **kw)

    def attach(self, guard: Guard) -> None:
        """Refuse suspended actors before analysis, and act on every decision the guard records."""
        if self.pre_check not in guard.pre_checks:
            guard.pre_checks.insert(0, self.pre_check)
        if self.on_decision not in guard.on_decision:
            guard.on_decision.append(self.on_decision)

    def _audit(self, by: str, action: str, target: str, note: str, actor_id: str | None = None) -> None:
        self.ledger.add(AuditEvent(id=new_id("aud"), at=self.clock(), by=by, action=action, target=target,
                                   note=note, actor_id=actor_id))

    def audit_log(self, actor_id: str | None = None) -> list[AuditEvent]:
        return self.ledger.find(AuditEvent) if actor_id is None else self.ledger.find(AuditEvent, actor_id=actor_id)

    # -- policy lookups ------------------------------------------------------------

    def _packs(self, country: str) -> tuple[ResolvedPack, ...]:
        return self.policy.resolve(Actor(user_id="-", country=country)).packs

    def thresholds(self, country: str) -> Thresholds:
        return Thresholds.of(self._packs(country))

    def _rule(self, packs: Sequence[ResolvedPack], hit: RuleHit) -> Rule | None:
        """The rule behind a hit: the strictest ``suspend`` across the applicable packs' copies of it."""
        found = [r for p in packs for r in p.rules if r.id == hit.rule_id]
        return max(found, key=lambda r: _SUSPEND_ORDER.get(r.suspend, 0)) if found else None

    # -- suspensions ---------------------------------------------------------------

    def active_suspension(self, user_id: str) -> Suspension | None:
        at = self.clock()
        active = [s for s in self.ledger.find(Suspension, actor_id=user_id, lifted_at=None) if s.active(at)]
        if not active:
            return None
        return max(active, key=lambda s: (s.kind == "permanent", s.ends_at or at))

    def suspension_reason(self, user_id: str) -> str | None:
        """The Guard pre-check's question: a reason when ``user_id`` is suspended now, else None."""
        s = self.active_suspension(user_id)
        if s is None:
            return None
        until = "permanently" if s.ends_at is None else f"until {s.ends_at.isoformat()}"
        return f"actor {user_id!r} is suspended {until} ({s.id}): {s.reason}"

    def check_not_suspended(self, user_id: str) -> None:
        """Raise :class:`~garde.errors.Suspended` when the actor is suspended (for callers outside a Guard)."""
        from garde.errors import Suspended

        why = self.suspension_reason(user_id)
        if why is not None:
            raise Suspended(why)

    def suspensions(self, user_id: str) -> list[Suspension]:
        return self.ledger.find(Suspension, actor_id=user_id)

    def lift_suspension(self, suspension_id: str, *, by: str, note: str = "") -> Suspension:
        who = check_who(by)
        s = self.ledger.get(Suspension, suspension_id)
        if s.lifted_at is not None:
            raise InputError(f"suspension {suspension_id!r} was already lifted by {s.lifted_by!r}")
        s = self.ledger.update(Suspension, suspension_id, lifted_at=self.clock(), lifted_by=who, lift_note=note)
        self._audit(who, "suspension_lifted", suspension_id, note, s.actor_id)
        return s

    def _suspend(self, actor_id: str, kind: str, reason: str, *, days: int | None, strike: Strike | None,
                 decision_id: str | None, rule_id: str | None) -> Suspension:
        at = self.clock()
        s = Suspension(id=new_id("susp"), actor_id=actor_id, kind=kind, reason=reason, starts_at=at,
                       ends_at=None if kind == "permanent" or days is None else at + timedelta(days=days),
                       strike_id=strike.id if strike else None, decision_id=decision_id, rule_id=rule_id)
        self.ledger.add(s)
        self._audit(SYSTEM, f"suspended_{kind}", s.id, reason, actor_id)
        return s

    # -- strikes -------------------------------------------------------------------

    def strikes(self, user_id: str, *, active_only: bool = False) -> list[Strike]:
        got = self.ledger.find(Strike, actor_id=user_id)
        return [s for s in got if s.active] if active_only else got

    def strike_total(self, user_id: str, window_days: int) -> int:
        since = self.clock() - timedelta(days=window_days)
        return sum(s.weight for s in self.strikes(user_id, active_only=True) if s.created_at >= since)

    def reverse_strike(self, strike_id: str, *, by: str, note: str = "") -> Strike:
        """An appeal upheld: the strike stops counting, suspensions it caused are lifted; all of it logged."""
        who = check_who(by)
        s = self.ledger.get(Strike, strike_id)
        if not s.active:
            raise InputError(f"strike {strike_id!r} was already reversed by {s.reversed_by!r}")
        s = self.ledger.update(Strike, strike_id, reversed_at=self.clock(), reversed_by=who, reversal_note=note)
        self._audit(who, "strike_reversed", strike_id, note or "appeal upheld", s.actor_id)
        th = self.thresholds(s.country)
        below = self.strike_total(s.actor_id, th.window_days) < th.suspend_after_strikes
        at = self.clock()
        for susp in self.ledger.find(Suspension, actor_id=s.actor_id, lifted_at=None):
            caused = susp.strike_id == strike_id
            by_count = susp.kind == "temporary" and susp.rule_id is None and below
            if susp.active(at) and (caused or by_count):
                self.lift_suspension(susp.id, by=who, note=f"strike {strike_id} reversed on appeal")
        return s

    # -- the decision hook ---------------------------------------------------------

    def on_decision(self, decision: Decision, request: Request) -> None:
        """The Guard hook: strike, suspend, open a case, build packages, place a hold."""
        at = self.clock()
        if self._released_at is None or at - self._released_at >= self.release_every:
            self.release_expired()
        packs = self.policy.resolve(decision.actor).packs
        strike = self._strike(decision)
        self._maybe_suspend(decision, packs, strike)
        self._open_case(decision, request)

    def _strike(self, decision: Decision) -> Strike | None:
        if decision.action < Action.BLOCK:
            return None
        weighted = [h for h in decision.hits if h.strike_weight > 0]
        if not weighted:
            return None
        top = max(weighted, key=lambda h: (h.strike_weight, h.action, h.rule_id))
        s = Strike(id=new_id("stk"), actor_id=decision.actor.user_id, decision_id=decision.decision_id,
                   rule_id=top.rule_id, category=top.category, weight=top.strike_weight,
                   country=decision.actor.country, created_at=self.clock())
        self.ledger.add(s)
        self._audit(SYSTEM, "strike", s.id, f"{top.rule_id} (weight {top.strike_weight})", s.actor_id)
        return s

    def _maybe_suspend(self, decision: Decision, packs: Sequence[ResolvedPack], strike: Strike | None) -> None:
        if strike is None:
            return
        uid = decision.actor.user_id
        th = Thresholds.of(packs)
        current = self.active_suspension(uid)
        if current is not None and current.kind == "permanent":
            return
        rules = [(h, self._rule(packs, h)) for h in decision.hits]
        perm = [(h, r) for h, r in rules if r is not None and r.suspend == "permanent"]
        temp = [(h, r) for h, r in rules if r is not None and r.suspend == "temporary"]
        if perm:
            h, _ = perm[0]
            self._suspend(uid, "permanent", f"rule {h.rule_id} ({h.category}) requires permanent suspension",
                          days=None, strike=strike, decision_id=decision.decision_id, rule_id=h.rule_id)
            return
        if current is not None:
            return
        if temp:
            h, _ = temp[0]
            self._suspend(uid, "temporary", f"rule {h.rule_id} ({h.category}) suspends for {th.suspension_days} days",
                          days=th.suspension_days, strike=strike, decision_id=decision.decision_id, rule_id=h.rule_id)
            return
        total = self.strike_total(uid, th.window_days)
        if total >= th.suspend_after_strikes:
            self._suspend(uid, "temporary",
                          f"{total} strike points within {th.window_days} days (threshold "
                          f"{th.suspend_after_strikes}); suspended for {th.suspension_days} days",
                          days=th.suspension_days, strike=strike, decision_id=decision.decision_id, rule_id=None)

    # -- cases from decisions ------------------------------------------------------

    @staticmethod
    def case_kind(decision: Decision) -> str | None:
        if decision.action is Action.BLOCK_AND_REPORT:
            return "block_and_report"
        if any(h.category.startswith("hash_") for h in decision.hits):
            return "hash_match"
        if decision.action is Action.REVIEW:
            return "review"
        return None

    def _open_case(self, decision: Decision, request: Request) -> Case | None:
        kind = self.case_kind(decision)
        if kind is None:
            return None
        country = decision.actor.country
        hours = removal_deadline(self.policy, country, decision.rule_ids)
        if hours is None:
            hours = self.report_hours if kind == "block_and_report" else self.review_hours
        pdq = {str(s.evidence.get("sha256")): s.evidence.get("pdq") for s in decision.signals
               if isinstance(s.evidence.get("pdq"), str)}
        role = "output" if decision.stage.value == "output" else "input"
        images = [{"sha256": sha, "role": role, "pdq": pdq.get(sha)} for sha in decision.image_sha256]
        report_to = list(dict.fromkeys(d for h in decision.hits for d in h.report_to))
        days = [h.preservation_days for h in decision.hits if h.preservation_days]
        top = decision.hits[0] if decision.hits else None
        subject: dict[str, Any] = {
            "decision": _decision_summary(decision), "surface": request.surface, "images": images,
            "prompt_sha256": hashlib.sha256(request.prompt.encode("utf-8")).hexdigest(),
            "report_to": report_to, "preservation_days": max(days) if days else None,
            "deadline_hours": hours,
        }
        reason = f"{decision.action.label}: {top.rule_id} ({top.reason})" if top else decision.action.label
        case = self.cases.open(kind=kind, reason=reason, country=country, actor_id=decision.actor.user_id,
                               decision_id=decision.decision_id, due_at=decision.created_at + timedelta(hours=hours),
                               subject=subject)
        if kind == "block_and_report":
            hold = self._hold(case, request, max(days) if days else None)
            self._packages(case, report_to, hold)
        return case

    # -- preservation ---------------------------------------------------------------

    def _hold(self, case: Case, request: Request, days: int | None) -> Hold | None:
        if days is None:
            return None
        files: list[str] = []
        if self.preservation is not None:
            for img in request.images:
                files.append(self.preservation.put(img.data))
        at = self.clock()
        hold = Hold(id=new_id("hold"), case_id=case.id, decision_id=case.decision_id, actor_id=case.actor_id,
                    country=case.country, created_at=at, expires_at=at + timedelta(days=days),
                    evidence={"images": case.subject.get("images", []),
                              "prompt_sha256": case.subject.get("prompt_sha256"),
                              "preserved_files": files, "days": days})
        self.ledger.add(hold)
        self._audit(SYSTEM, "hold_placed", hold.id, f"case {case.id}, {days} days", case.actor_id)
        return hold

    def holds(self, *, active_only: bool = True, case_id: str | None = None) -> list[Hold]:
        """Holds (expired ones are released first)."""
        self.release_expired()
        eq: dict[str, Any] = {}
        if active_only:
            eq["released_at"] = None
        if case_id is not None:
            eq["case_id"] = case_id
        return self.ledger.find(Hold, **eq)

    def release(self, hold_id: str, *, by: str, note: str = "") -> Hold:
        who = check_who(by)
        h = self.ledger.get(Hold, hold_id)
        if not h.active:
            raise InputError(f"hold {hold_id!r} was already released by {h.released_by!r}")
        if self.preservation is not None:
            for sha in h.evidence.get("preserved_files", []):
                self.preservation.delete(sha)
        h = self.ledger.update(Hold, hold_id, released_at=self.clock(), released_by=who, release_note=note)
        self._audit(who, "hold_released", hold_id, note, h.actor_id)
        return h

    def release_expired(self) -> list[Hold]:
        """Release every hold whose time is up (the query reads only those)."""
        at = self._released_at = self.clock()
        return [self.release(h.id, by=SYSTEM, note="expired")
                for h in self.ledger.find(Hold, released_at=None, at_most={"expires_at": at})]

    # -- report packages ------------------------------------------------------------

    def _packages(self, case: Case, destinations: Iterable[str], hold: Hold | None) -> list[ReportRecord]:
        out = []
        for dest in destinations:
            rid = new_id("rpt")
            at = self.clock()
            pkg = build_package(case, dest, package_id=rid, generated_at=at, platform=self.platform, hold=hold,
                                actor_identifiers=self._identifiers(case.actor_id))
            rec = self.ledger.add(ReportRecord(id=rid, case_id=case.id, destination=dest, created_at=at, package=pkg))
            out.append(rec)
            self._audit(SYSTEM, "report_package_built", rid, f"case {case.id} → {dest}", case.actor_id)
        if not out:
            self.cases.annotate(case.id, by=SYSTEM, note="no reporting destination named by the applicable packs",
                                subject={"report_to": []})
        if self.report_hook is not None and out:
            try:
                for rec in out:
                    self.report_hook(rec.package)
                self.mark_reported(case.id, by=SYSTEM, note="handed to the operator's report hook")
            except Exception as e:  # the operator's hook failing leaves the case open and due
                log.exception("report hook failed for case %s", case.id)
                self.cases.act(case.id, action="comment", by=SYSTEM, note=f"report hook failed: {type(e).__name__}")
        return out

    def _identifiers(self, actor_id: str | None) -> dict[str, Any]:
        if actor_id is None or self.actor_identifiers is None:
            return {}
        return dict(self.actor_identifiers(actor_id))

    def reports(self, case_id: str | None = None) -> list[ReportRecord]:
        return self.ledger.find(ReportRecord) if case_id is None else self.ledger.find(ReportRecord, case_id=case_id)

    def package(self, case_id: str, *, destination: str | None = None, include_files: bool = False
                ) -> list[dict[str, Any]]:
        """The case's packages rebuilt now (current review state, hold), one per destination."""
        case = self.cases.get(case_id)
        recs = self.reports(case_id)
        if destination is not None:
            recs = [r for r in recs if r.destination == destination]
            if not recs:
                raise NotFound(f"case {case_id!r} has no report package for destination {destination!r}")
        if not recs:
            raise NotFound(f"case {case_id!r} has no report package (kind {case.kind!r})")
        holds = self.ledger.find(Hold, case_id=case_id)
        hold = holds[-1] if holds else None
        files: list[tuple[str, bytes]] = []
        if include_files:
            if self.preservation is None:
                raise InputError("image bytes can be included only when a preservation store is configured "
                                 "(GARDE_PRESERVATION_DIR is not set)")
            if hold is not None and hold.active:
                files = [(sha, self.preservation.get(sha)) for sha in hold.evidence.get("preserved_files", [])]
        return [build_package(case, r.destination, package_id=r.id, generated_at=self.clock(),
                              platform=self.platform, hold=hold, actor_identifiers=self._identifiers(case.actor_id),
                              files=files) for r in recs]

    def mark_reported(self, case_id: str, *, by: str, note: str = "") -> Case:
        """The operator sent the case's packages: mark them sent and move the case to ``reported``."""
        who = check_who(by)
        at = self.clock()
        for r in self.reports(case_id):
            if r.sent_at is None:
                self.ledger.update(ReportRecord, r.id, sent_at=at, sent_by=who)
                self._audit(who, "report_sent", r.id, f"case {case_id} → {r.destination}")
        return self.cases.act(case_id, action="report", by=who, note=note)

    # -- moderator actions -------------------------------------------------------------

    def act(self, case_id: str, *, action: str, by: str, note: str = "") -> Case:
        """A moderator's action on a case, with its side effects (packages sent, victim hash banked, notifying)."""
        case = self.cases.get(case_id)
        if action == "report" and self.reports(case_id):
            return self.mark_reported(case_id, by=by, note=note)
        new = self.cases.act(case_id, action=action, by=by, note=note)
        if action == "confirm" and case.kind in ("notice", "takedown"):
            new = self._bank_victim_hash(new, by)
        if case.kind == "notice" and action in ("confirm", "dismiss") and self.notice_hook is not None:
            try:
                self.notice_hook(new, self.notice_outcome(new.id))
            except Exception:
                log.exception("notice hook failed for case %s", case_id)
        return new

    def _bank_victim_hash(self, case: Case, by: str) -> Case:
        s = case.subject
        sha, pdq = s.get("sha256"), s.get("pdq")
        if not sha and not pdq:
            return self.cases.annotate(case.id, by=SYSTEM, note="no hash to bank: the notice named none",
                                       subject={"victim_bank": {"status": "no_hash"}})
        vh = VictimHash(sha256=sha, pdq=pdq, case_id=case.id, country=case.country, confirmed_by=by)
        if self.victim_bank is None:
            info = {"status": "recorded", "sha256": sha, "pdq": pdq,
                    "note": "no victim bank is wired (garde.hashing exposes no add_victim_hash): hash recorded here"}
        else:
            try:
                entry = self.victim_bank(vh)
                info = {"status": "banked", "sha256": sha, "pdq": pdq, "entry": entry}
            except GardeError as e:
                info = {"status": "failed", "sha256": sha, "pdq": pdq, "error": e.message}
        self._audit(by, f"victim_hash_{info['status']}", case.id, str(sha or pdq), case.actor_id)
        return self.cases.annotate(case.id, by=SYSTEM, note=f"victim hash {info['status']}",
                                   subject={"victim_bank": info})

    # -- notice and action ----------------------------------------------------------------

    def _decision_for_hash(self, sha256: str) -> str | None:
        if isinstance(self.log, InMemoryDecisionLog):
            for row in reversed(self.log.images):
                if row["sha256"] == sha256:
                    return str(row["decision_id"])
            return None
        if self.db is not None:
            from sqlalchemy import select

            from garde.store.tables import decision_images

            with self.db.begin() as conn:
                got = conn.execute(select(decision_images.c.decision_id).where(decision_images.c.sha256 == sha256)
                                   .order_by(decision_images.c.id.desc()).limit(1)).scalar()
            return None if got is None else str(got)
        return None

    def submit_notice(
        self,
        *,
        reporter: str,
        decision_id: str | None = None,
        url: str | None = None,
        sha256: str | None = None,
        pdq: str | None = None,
        country: str | None = None,
        contact: str | None = None,
        description: str = "",
    ) -> Case:
        """A person (or their representative) reports an output: a notice case with the jurisdiction's deadline."""
        who = check_who(reporter, "reporter")
        if not (decision_id or url or sha256 or pdq):
            raise InputError("a notice must name the output: a decision id, a URL or a hash")
        if sha256 is not None:
            sha256 = sha256.strip().lower()
            if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
                raise InputError(f"not a sha256 hex digest: {sha256!r}")
        if url is not None and not url.startswith(("http://", "https://")):
            raise InputError(f"not an http(s) URL: {url!r}")
        record: dict[str, Any] | None = None
        if decision_id is None and sha256 is not None:
            decision_id = self._decision_for_hash(sha256)
        if decision_id is not None:
            record = self.log.get(decision_id).record  # NotFound quotes the id
        actor_country = (record or {}).get("actor", {}).get("country")
        where = actor_country or country or "ZZ"
        hours = removal_deadline(self.policy, where, None)
        if hours is None:
            hours = self.notice_hours
        at = self.clock()
        if sha256 is None and record is not None:
            shas = record.get("image_sha256") or []
            sha256 = shas[0] if shas and record.get("stage") == "output" else None
        subject = {"reporter": who, "contact": contact, "url": url, "sha256": sha256, "pdq": pdq,
                   "decision_id": decision_id, "description": description, "deadline_hours": hours,
                   "deadline_country": where}
        return self.cases.open(kind="notice", reason=f"notice from {who}" + (f": {description}" if description else ""),
                               country=where, actor_id=(record or {}).get("actor", {}).get("id"),
                               decision_id=decision_id, due_at=None if hours is None else at + timedelta(hours=hours),
                               subject=subject)

    def notice_outcome(self, case_id: str) -> dict[str, Any]:
        """What the reporter can be told: pending, removed or not actioned, and whether the deadline was met."""
        case = self.cases.get(case_id)
        if case.kind != "notice":
            raise InputError(f"case {case_id!r} is a {case.kind!r} case, not a notice")
        first = case.first_action
        outcome = "pending"
        if first is not None:
            outcome = "removed" if first.to_state in ("actioned", "reported") else "not_actioned"
        return {
            "case_id": case.id, "state": case.state, "outcome": outcome,
            "received_at": case.created_at.isoformat(),
            "decided_at": first.at.isoformat() if first else None,
            "due_at": case.due_at.isoformat() if case.due_at else None,
            "deadline_met": None if first is None or case.due_at is None else first.at <= case.due_at,
            "victim_bank": case.subject.get("victim_bank", {}).get("status"),
        }

    def open_takedown(self, *, reason: str, country: str, sha256: str | None = None, pdq: str | None = None,
                      decision_id: str | None = None, actor_id: str | None = None,
                      rule_ids: Sequence[str] | None = None) -> Case:
        """A takedown case (earlier outputs matching a victim hash), due by the jurisdiction's deadline."""
        hours = removal_deadline(self.policy, country, rule_ids) or self.review_hours
        return self.cases.open(kind="takedown", reason=reason, country=country, actor_id=actor_id,
                               decision_id=decision_id, due_at=self.clock() + timedelta(hours=hours),
                               subject={"sha256": sha256, "pdq": pdq, "deadline_hours": hours})

    def records_between(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        """Decision-log records created in [start, end)."""
        s, e = utc(start), utc(end)
        if isinstance(self.log, SqlDecisionLog):
            return self.log.created_between(s, e)
        return [x.record for x in self.log.entries()
                if s <= datetime.fromisoformat(x.record["created_at"]) < e]

    def transparency(self, start: datetime, end: datetime) -> TransparencyReport:
        """The transparency report for [start, end) from the decision log, cases and ledger."""
        s, e = utc(start), utc(end)
        if e <= s:
            raise InputError(f"the report period is empty: --from {s.date().isoformat()} is not before "
                             f"--to {e.date().isoformat()}")
        return transparency_report(
            start=s, end=e, records=self.records_between(s, e),
            cases=self.cases.list(limit=10_000), reports=self.ledger.find(ReportRecord),
            strikes=self.ledger.find(Strike), suspensions=self.ledger.find(Suspension))

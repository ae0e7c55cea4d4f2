"""Retroactive takedown: when a hash is banked, find the earlier outputs that match it.

The guard stores the hashes of every output it released in ``decision_images``
(``role = 'output'``: sha256 always, PDQ and quality when the hashing analyser ran).
When entries become active (added reviewed or in a small batch, or confirmed from
quarantine), :class:`TakedownRunner` searches those stored outputs:

* PDQ entries (and their border-crop variants) within the bank's threshold;
* SHA-256 entries by equality (MD5 is not stored with decisions, so it cannot be searched).

Every (entry, decision) match opens one ``takedown`` case through
``garde.enforce.cases.CaseStore(db).open(...)``, due at the removal deadline of the
decision's jurisdiction: the shortest ``removal_deadline_hours`` among the deadline
rules (:data:`DEADLINE_RULES`) in the packs the policy resolves for that country
(48 h for the US and UK). ``hash_takedowns`` remembers what was opened, so running
again never opens a second case for the same entry and decision.

Limits: an output's mirror/rotation is not searched retroactively (only its PDQ as
released is stored); outputs recorded before the hashing analyser ran have no PDQ.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update

from garde.errors import StoreError
from garde.hashing.index import BruteForceIndex
from garde.hashing.pdq import hex_to_words
from garde.hashing.tables import hash_banks, hash_takedowns
from garde.store.db import Database
from garde.store.tables import decision_images

if TYPE_CHECKING:
    from garde.hashing.banks import Entry
    from garde.policy import Policy

__all__ = ["DEADLINE_RULES", "CaseOpener", "Takedown", "TakedownRunner", "removal_deadline_hours"]

log = logging.getLogger("garde.hashing.takedown")

#: The rules whose removal deadline applies to a takedown, by bank kind.
DEADLINE_RULES: dict[str, tuple[str, ...]] = {
    "victim_submitted": ("floor.hash.victim", "floor.real_person.nudity"),
    "protected": ("floor.hash.victim", "floor.real_person.nudity"),
    "known_abuse": ("floor.hash.known_abuse", "floor.hash.victim", "floor.real_person.nudity"),
}

#: open(kind=, reason=, country=, decision_id=, due_at=, subject=) -> case id
CaseOpener = Callable[..., str]


@dataclass(frozen=True, slots=True, kw_only=True)
class Takedown:
    entry_id: str
    bank: str
    bank_kind: str
    decision_id: str
    country: str
    distance: int
    hash_type: str
    due_at: datetime | None
    deadline_hours: float | None
    case_id: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"entry_id": self.entry_id, "bank": self.bank, "bank_kind": self.bank_kind,
                "decision_id": self.decision_id, "country": self.country, "distance": self.distance,
                "hash_type": self.hash_type, "deadline_hours": self.deadline_hours,
                "due_at": self.due_at.isoformat() if self.due_at else None, "case_id": self.case_id}


def removal_deadline_hours(policy: Policy, country: str, rule_ids: Iterable[str]) -> float | None:
    """The shortest ``removal_deadline_hours`` among ``rule_ids`` in the packs that apply to ``country``."""
    from garde.model import Actor

    wanted = set(rule_ids)
    packs = policy.resolve(Actor(user_id="garde-takedown", country=country)).packs
    hours = [r.removal_deadline_hours for p in packs for r in p.rules
             if r.id in wanted and r.removal_deadline_hours is not None]
    return min(hours) if hours else None


class TakedownRunner:
    """Searches stored outputs for new entries and opens takedown cases."""

    def __init__(self, db: Database, *, policy: Policy | None = None, open_case: CaseOpener | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.db = db
        self._policy = policy
        self._open_case = open_case
        self.clock = clock or (lambda: datetime.now(UTC))

    @property
    def policy(self) -> Policy:
        if self._policy is None:
            from garde.policy import Policy

            self._policy = Policy()
        return self._policy

    def _opener(self) -> CaseOpener | None:
        if self._open_case is not None:
            return self._open_case
        try:
            from garde.enforce.cases import CaseStore
        except ImportError:
            return None
        store = CaseStore(self.db)

        def open_case(**kw: Any) -> str:
            return str(store.open(**kw).id)

        self._open_case = open_case
        return open_case

    def search(self, entries: Sequence[Entry]) -> list[tuple[Entry, str, str, int]]:
        """(entry, decision_id, country, distance) for every stored output that matches an active entry."""
        active = [e for e in entries if e.state == "active" and e.bank_kind in DEADLINE_RULES]
        if not active:
            return []
        thresholds: dict[str, int] = {}
        with self.db.begin() as conn:
            for b in conn.execute(select(hash_banks.c.name, hash_banks.c.threshold)):
                thresholds[b.name] = int(b.threshold)
        found: dict[tuple[str, str], tuple[Entry, str, str, int]] = {}
        pdq_entries = [e for e in active if e.hash_type == "pdq"]
        sha_entries = {e.hash: e for e in active if e.hash_type == "sha256"}
        with self.db.begin() as conn:
            if sha_entries:
                keys = list(sha_entries)
                for i in range(0, len(keys), 500):
                    for r in conn.execute(select(decision_images.c.decision_id, decision_images.c.sha256,
                                                 decision_images.c.country).where(
                            decision_images.c.role == "output", decision_images.c.sha256.in_(keys[i:i + 500]))):
                        e = sha_entries[r.sha256]
                        found[(e.id, r.decision_id)] = (e, r.decision_id, r.country, 0)
            if pdq_entries:
                rows = conn.execute(select(decision_images.c.decision_id, decision_images.c.pdq,
                                           decision_images.c.country).where(
                    decision_images.c.role == "output", decision_images.c.pdq.is_not(None))).all()
                if rows:
                    stored = [r for r in rows if isinstance(r.pdq, str) and len(r.pdq) == 64]
                    index = BruteForceIndex(hex_to_words([r.pdq for r in stored]))
                    queries: list[tuple[Entry, str]] = []
                    for e in pdq_entries:
                        queries.append((e, e.hash))
                        queries.extend((e, v) for v in e.variants.values())
                    qmax = max(thresholds.get(e.bank, 31) for e in pdq_entries)
                    res = index.search(hex_to_words([q[1] for q in queries]), qmax)
                    for (e, _), (pos, dist) in zip(queries, res, strict=True):
                        thr = thresholds.get(e.bank, 31)
                        for p, d in zip(pos.tolist(), dist.tolist(), strict=True):
                            if d > thr:
                                continue
                            hit = stored[p]
                            key = (e.id, hit.decision_id)
                            if key not in found or found[key][3] > d:
                                found[key] = (e, hit.decision_id, hit.country, int(d))
        return list(found.values())

    def run(self, entries: Sequence[Entry]) -> list[Takedown]:
        """Search, then open one takedown case per new (entry, decision) match."""
        out: list[Takedown] = []
        opener = self._opener()
        for e, decision_id, country, distance in self.search(entries):
            now = self.clock()
            try:
                with self.db.begin() as conn:
                    done = conn.execute(select(hash_takedowns.c.id).where(
                        hash_takedowns.c.entry_id == e.id, hash_takedowns.c.decision_id == decision_id)).first()
                    if done is None:
                        conn.execute(insert(hash_takedowns).values(
                            entry_id=e.id, decision_id=decision_id, case_id=None, distance=distance, created_at=now))
            except StoreError as ex:  # a concurrent run claimed it first (unique constraint)
                if "uq_hash_takedowns" in ex.message or "unique" in ex.message.lower():
                    continue
                raise
            if done is not None:
                continue  # already taken down for this entry and decision
            hours = self._deadline(country, e.bank_kind)
            due = now + timedelta(hours=hours) if hours is not None else None
            case_id: str | None = None
            if opener is not None:
                reason = (f"an earlier output (decision {decision_id}) matches {e.bank_kind} hash entry {e.id} "
                          f"in bank {e.bank!r} ({e.hash_type}, distance {distance}); remove it"
                          + (f" within {hours:g} h ({country})" if hours is not None else ""))
                case_id = opener(kind="takedown", reason=reason, country=country, decision_id=decision_id,
                                 due_at=due, subject={"entry_id": e.id, "bank": e.bank, "bank_kind": e.bank_kind,
                                                      "hash_type": e.hash_type, "distance": distance,
                                                      "deadline_hours": hours})
                with self.db.begin() as conn:
                    conn.execute(update(hash_takedowns).where(hash_takedowns.c.entry_id == e.id,
                                                              hash_takedowns.c.decision_id == decision_id)
                                 .values(case_id=case_id))
            else:
                log.warning("no case store (garde.enforce) installed: takedown of decision %s recorded without a case",
                            decision_id)
            out.append(Takedown(entry_id=e.id, bank=e.bank, bank_kind=e.bank_kind, decision_id=decision_id,
                                country=country, distance=distance, hash_type=e.hash_type, due_at=due,
                                deadline_hours=hours, case_id=case_id))
        return out

    def _deadline(self, country: str, kind: str) -> float | None:
        try:
            return removal_deadline_hours(self.policy, country, DEADLINE_RULES.get(kind, ()))
        except Exception as e:  # an unknown stored country must not stop the other takedowns
            log.warning("no removal deadline for country %r: %s", country, e)
            return None

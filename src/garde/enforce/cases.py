"""Cases: what a moderator (or an operator's process) must look at, with a due time and a full history.

Kinds: ``review`` (a decision the policy sent to review), ``block_and_report``
(a report package is due), ``hash_match`` (an image matched a hash bank),
``takedown`` (earlier outputs matching a victim hash must come down) and
``notice`` (a person reported an output: notice-and-action).

States and the actions that move between them (anything else is refused with
an :class:`~garde.errors.InputError` naming the state and the action)::

    open ──start_review──► in_review
    open | in_review ──confirm──► actioned        (violation confirmed, content removed / hash banked)
    open | in_review | actioned ──report──► reported   (the report package was sent by the operator)
    open | in_review ──dismiss──► closed          (no violation)
    actioned | reported ──close──► closed
    closed ──reopen──► open
    any state ──comment──► same state             (a note in the history)

A case's ``history`` starts with its ``open`` event; every act, assignment and
comment appends one :class:`CaseEvent`. Nothing is ever deleted.
"""

from __future__ import annotations

import builtins
import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Connection, func, select, update

from garde.enforce import tables as t
from garde.enforce._util import check_country, check_who, dumps, new_id, now, utc, utc_opt
from garde.errors import InputError, NotFound
from garde.store.db import Database

if TYPE_CHECKING:
    from garde.policy import Policy

__all__ = [
    "ACTIONS",
    "KINDS",
    "OPEN_STATES",
    "STATES",
    "TRANSITIONS",
    "Case",
    "CaseEvent",
    "CaseStore",
    "CaseStoreProtocol",
    "InMemoryCaseStore",
    "next_state",
    "removal_deadline",
]

KINDS: tuple[str, ...] = ("review", "block_and_report", "hash_match", "takedown", "notice")
STATES: tuple[str, ...] = ("open", "in_review", "actioned", "reported", "closed")
OPEN_STATES: frozenset[str] = frozenset({"open", "in_review"})

TRANSITIONS: dict[str, dict[str, str]] = {
    "start_review": {"open": "in_review"},
    "confirm": {"open": "actioned", "in_review": "actioned"},
    "report": {"open": "reported", "in_review": "reported", "actioned": "reported"},
    "dismiss": {"open": "closed", "in_review": "closed"},
    "close": {"actioned": "closed", "reported": "closed"},
    "reopen": {"closed": "open"},
}
ACTIONS: tuple[str, ...] = (*TRANSITIONS, "comment")

SYSTEM = "garde"  # the ``by`` of events garde itself records


def next_state(state: str, action: str) -> str:
    """The state after ``action``; InputError if the action is unknown or not allowed from ``state``."""
    if action == "comment":
        return state
    if action not in TRANSITIONS:
        raise InputError(f"unknown case action {action!r}; expected one of {', '.join(ACTIONS)}")
    to = TRANSITIONS[action].get(state)
    if to is None:
        allowed = ", ".join(a for a, m in TRANSITIONS.items() if state in m) or "none"
        raise InputError(f"action {action!r} is not allowed on a case in state {state!r} (allowed: {allowed})")
    return to


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseEvent:
    """One entry of a case's history."""

    seq: int
    at: datetime
    by: str
    action: str
    from_state: str | None
    to_state: str
    note: str = ""

    @property
    def human(self) -> bool:
        return self.by != SYSTEM

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "at": self.at.isoformat(), "by": self.by, "action": self.action,
                "from_state": self.from_state, "to_state": self.to_state, "note": self.note}


@dataclass(frozen=True, slots=True, kw_only=True)
class Case:
    id: str
    kind: str
    state: str
    reason: str
    actor_id: str | None
    country: str
    decision_id: str | None
    due_at: datetime | None
    assignee: str | None
    subject: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    history: tuple[CaseEvent, ...]

    def overdue(self, at: datetime | None = None) -> bool:
        return self.state in OPEN_STATES and self.due_at is not None and self.due_at <= (at or now())

    @property
    def first_action(self) -> CaseEvent | None:
        """The first event that moved the case out of open/in_review (notice-to-action time ends here)."""
        for e in self.history:
            if e.from_state in OPEN_STATES and e.to_state not in OPEN_STATES:
                return e
        return None

    @property
    def decided_by_human(self) -> bool | None:
        """None while undecided; else whether a person (not garde) took the deciding action."""
        e = self.first_action
        return None if e is None else e.human

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "kind": self.kind, "state": self.state, "reason": self.reason,
            "actor_id": self.actor_id, "country": self.country, "decision_id": self.decision_id,
            "due_at": self.due_at.isoformat() if self.due_at else None, "assignee": self.assignee,
            "subject": self.subject, "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(), "history": [e.to_dict() for e in self.history],
        }


class CaseStoreProtocol(Protocol):
    def open(self, *, kind: str, reason: str, country: str, actor_id: str | None = None,
             decision_id: str | None = None, due_at: datetime | None = None,
             subject: dict[str, Any] | None = None) -> Case: ...

    def get(self, case_id: str) -> Case: ...

    def list(self, *, state: str | None = None, due_only: bool = False, kind: str | None = None,
             limit: int = 100) -> builtins.list[Case]: ...

    def act(self, case_id: str, *, action: str, by: str, note: str = "") -> Case: ...

    def assign(self, case_id: str, assignee: str, by: str) -> Case: ...

    def annotate(self, case_id: str, *, by: str, note: str, subject: dict[str, Any]) -> Case: ...

    def for_decision(self, decision_id: str) -> builtins.list[Case]: ...

    def created_between(self, start: datetime, end: datetime) -> builtins.list[Case]: ...


# ------------------------------------------------------------------ validation


def _check_open(kind: str, reason: str, country: str, due_at: datetime | None,
                subject: dict[str, Any] | None) -> tuple[str, datetime | None, dict[str, Any]]:
    if kind not in KINDS:
        raise InputError(f"unknown case kind {kind!r}; expected one of {', '.join(KINDS)}")
    if not isinstance(reason, str) or not reason.strip():
        raise InputError(f"a case needs a reason, got {reason!r}")
    c = check_country(country)
    subj = dict(subject or {})
    try:
        json.loads(dumps(subj))
    except (TypeError, ValueError) as e:
        raise InputError(f"case subject is not JSON-able: {e}") from None
    return c, utc_opt(due_at), subj


def _check_list(state: str | None, kind: str | None, limit: int) -> None:
    if state is not None and state not in STATES:
        raise InputError(f"unknown case state {state!r}; expected one of {', '.join(STATES)}")
    if kind is not None and kind not in KINDS:
        raise InputError(f"unknown case kind {kind!r}; expected one of {', '.join(KINDS)}")
    if not 1 <= limit <= 10_000:
        raise InputError(f"limit {limit!r} is outside 1..10000")


def _sort_key(c: Case, due_only: bool) -> tuple[Any, ...]:
    if due_only:
        assert c.due_at is not None
        return (c.due_at, c.created_at, c.id)
    return (c.created_at, c.id)


# ------------------------------------------------------------------ in memory


class InMemoryCaseStore:
    """The in-memory fake: same contract as :class:`CaseStore`, nothing persisted."""

    def __init__(self) -> None:
        self._cases: dict[str, Case] = {}
        self._lock = threading.Lock()

    def open(self, *, kind: str, reason: str, country: str, actor_id: str | None = None,
             decision_id: str | None = None, due_at: datetime | None = None,
             subject: dict[str, Any] | None = None) -> Case:
        c, due, subj = _check_open(kind, reason, country, due_at, subject)
        at = now()
        case = Case(id=new_id("case"), kind=kind, state="open", reason=reason, actor_id=actor_id, country=c,
                    decision_id=decision_id, due_at=due, assignee=None, subject=json.loads(dumps(subj)),
                    created_at=at, updated_at=at,
                    history=(CaseEvent(seq=1, at=at, by=SYSTEM, action="open", from_state=None, to_state="open",
                                       note=reason),))
        with self._lock:
            self._cases[case.id] = case
        return case

    def get(self, case_id: str) -> Case:
        try:
            return self._cases[case_id]
        except KeyError:
            raise NotFound(f"no case {case_id!r}") from None

    def list(self, *, state: str | None = None, due_only: bool = False, kind: str | None = None,
             limit: int = 100) -> builtins.list[Case]:
        _check_list(state, kind, limit)
        out = [c for c in self._cases.values()
               if (state is None or c.state == state) and (kind is None or c.kind == kind)
               and (not due_only or (c.due_at is not None and c.state in OPEN_STATES))]
        return sorted(out, key=lambda c: _sort_key(c, due_only))[:limit]

    def _event(self, case_id: str, by: str, action: str, note: str, **changes: Any) -> Case:
        with self._lock:
            case = self.get(case_id)
            to = next_state(case.state, action) if action in ACTIONS else case.state
            at = now()
            ev = CaseEvent(seq=len(case.history) + 1, at=at, by=by, action=action, from_state=case.state,
                           to_state=to, note=note)
            new = replace(case, state=to, updated_at=at, history=(*case.history, ev), **changes)
            self._cases[case_id] = new
            return new

    def act(self, case_id: str, *, action: str, by: str, note: str = "") -> Case:
        who = check_who(by)
        self.get(case_id)
        next_state(self.get(case_id).state, action)
        return self._event(case_id, who, action, note)

    def assign(self, case_id: str, assignee: str, by: str) -> Case:
        a, who = check_who(assignee, "assignee"), check_who(by)
        return self._event(case_id, who, "assign", f"assigned to {a}", assignee=a)

    def annotate(self, case_id: str, *, by: str, note: str, subject: dict[str, Any]) -> Case:
        who = check_who(by)
        merged = {**self.get(case_id).subject, **json.loads(dumps(subject))}
        return self._event(case_id, who, "annotate", note, subject=merged)

    def for_decision(self, decision_id: str) -> builtins.list[Case]:
        return sorted((c for c in self._cases.values() if c.decision_id == decision_id), key=lambda c: c.created_at)

    def created_between(self, start: datetime, end: datetime) -> builtins.list[Case]:
        s, e = utc(start), utc(end)
        return sorted((c for c in self._cases.values() if s <= c.created_at < e), key=lambda c: c.created_at)


# ------------------------------------------------------------------ SQL


class CaseStore:
    """Cases in SQLite or PostgreSQL (tables ``enf_cases`` and ``enf_case_events``)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @staticmethod
    def _events(conn: Connection, ids: Iterable[str]) -> dict[str, builtins.list[CaseEvent]]:
        idl = builtins.list(ids)
        out: dict[str, builtins.list[CaseEvent]] = {i: [] for i in idl}
        if not idl:
            return out
        for chunk in range(0, len(idl), 500):
            part = idl[chunk:chunk + 500]
            rows = conn.execute(select(t.case_events).where(t.case_events.c.case_id.in_(part))
                                .order_by(t.case_events.c.case_id, t.case_events.c.seq)).all()
            for r in rows:
                out[r.case_id].append(CaseEvent(seq=r.seq, at=utc(r.at), by=r.by, action=r.action,
                                                from_state=r.from_state, to_state=r.to_state, note=r.note))
        return out

    @staticmethod
    def _case(r: Any, history: Iterable[CaseEvent]) -> Case:
        return Case(id=r.id, kind=r.kind, state=r.state, reason=r.reason, actor_id=r.actor_id, country=r.country,
                    decision_id=r.decision_id, due_at=utc_opt(r.due_at), assignee=r.assignee,
                    subject=json.loads(r.subject), created_at=utc(r.created_at), updated_at=utc(r.updated_at),
                    history=tuple(history))

    def _load(self, conn: Connection, rows: Iterable[Any]) -> builtins.list[Case]:
        rs = builtins.list(rows)
        ev = self._events(conn, (r.id for r in rs))
        return [self._case(r, ev[r.id]) for r in rs]

    def open(self, *, kind: str, reason: str, country: str, actor_id: str | None = None,
             decision_id: str | None = None, due_at: datetime | None = None,
             subject: dict[str, Any] | None = None) -> Case:
        c, due, subj = _check_open(kind, reason, country, due_at, subject)
        at = now()
        cid = new_id("case")
        with self.db.begin() as conn:
            conn.execute(t.cases.insert().values(
                id=cid, kind=kind, state="open", reason=reason, actor_id=actor_id, country=c,
                decision_id=decision_id, due_at=due, assignee=None, subject=dumps(subj), created_at=at, updated_at=at))
            conn.execute(t.case_events.insert().values(case_id=cid, seq=1, at=at, by=SYSTEM, action="open",
                                                       from_state=None, to_state="open", note=reason))
        return self.get(cid)

    def get(self, case_id: str) -> Case:
        with self.db.begin() as conn:
            row = conn.execute(select(t.cases).where(t.cases.c.id == case_id)).first()
            if row is None:
                raise NotFound(f"no case {case_id!r}")
            return self._load(conn, [row])[0]

    def list(self, *, state: str | None = None, due_only: bool = False, kind: str | None = None,
             limit: int = 100) -> builtins.list[Case]:
        _check_list(state, kind, limit)
        q = select(t.cases)
        if state is not None:
            q = q.where(t.cases.c.state == state)
        if kind is not None:
            q = q.where(t.cases.c.kind == kind)
        if due_only:
            q = q.where(t.cases.c.due_at.is_not(None), t.cases.c.state.in_(sorted(OPEN_STATES)))
            q = q.order_by(t.cases.c.due_at, t.cases.c.created_at, t.cases.c.id)
        else:
            q = q.order_by(t.cases.c.created_at, t.cases.c.id)
        with self.db.begin() as conn:
            return self._load(conn, conn.execute(q.limit(limit)).all())

    def _event(self, case_id: str, by: str, action: str, note: str, *, transition: bool,
               subject: dict[str, Any] | None = None, assignee: str | None = None) -> Case:
        with self.db.begin() as conn:
            row = conn.execute(select(t.cases).where(t.cases.c.id == case_id).with_for_update()).first()
            if row is None:
                raise NotFound(f"no case {case_id!r}")
            to = next_state(row.state, action) if transition else row.state
            seq = int(conn.execute(select(func.max(t.case_events.c.seq))
                                   .where(t.case_events.c.case_id == case_id)).scalar_one() or 0) + 1
            at = now()
            values: dict[str, Any] = {"state": to, "updated_at": at}
            if subject is not None:
                values["subject"] = dumps({**json.loads(row.subject), **subject})
            if assignee is not None:
                values["assignee"] = assignee
            conn.execute(update(t.cases).where(t.cases.c.id == case_id).values(**values))
            conn.execute(t.case_events.insert().values(case_id=case_id, seq=seq, at=at, by=by, action=action,
                                                       from_state=row.state, to_state=to, note=note))
        return self.get(case_id)

    def act(self, case_id: str, *, action: str, by: str, note: str = "") -> Case:
        return self._event(case_id, check_who(by), action, note, transition=True)

    def assign(self, case_id: str, assignee: str, by: str) -> Case:
        a, who = check_who(assignee, "assignee"), check_who(by)
        return self._event(case_id, who, "assign", f"assigned to {a}", transition=False, assignee=a)

    def annotate(self, case_id: str, *, by: str, note: str, subject: dict[str, Any]) -> Case:
        who = check_who(by)
        return self._event(case_id, who, "annotate", note, transition=False, subject=json.loads(dumps(subject)))

    def for_decision(self, decision_id: str) -> builtins.list[Case]:
        with self.db.begin() as conn:
            return self._load(conn, conn.execute(select(t.cases).where(t.cases.c.decision_id == decision_id)
                                                 .order_by(t.cases.c.created_at)).all())

    def created_between(self, start: datetime, end: datetime) -> builtins.list[Case]:
        with self.db.begin() as conn:
            return self._load(conn, conn.execute(
                select(t.cases).where(t.cases.c.created_at >= utc(start), t.cases.c.created_at < utc(end))
                .order_by(t.cases.c.created_at)).all())


# ------------------------------------------------------------------ deadlines


def removal_deadline(policy: Policy, country: str, rule_ids: Iterable[str] | None) -> float | None:
    """The shortest ``removal_deadline_hours`` among ``rule_ids`` in the packs that apply to ``country``.

    ``rule_ids=None`` means every rule of those packs (the deadline for a notice
    that names no rule). None when no applicable rule carries a deadline.
    """
    from garde.model import Actor

    packs = policy.resolve(Actor(user_id="-", country=check_country(country))).packs
    wanted = None if rule_ids is None else set(rule_ids)
    hours = [r.removal_deadline_hours for p in packs for r in p.rules
             if r.removal_deadline_hours is not None and (wanted is None or r.id in wanted)]
    return min(hours) if hours else None

"""The enforcement ledger: strikes, suspensions, preservation holds, report packages and an audit trail.

Records are frozen dataclasses; a :class:`Ledger` stores them. Two
implementations pass the same contract: :class:`SqlLedger` (SQLite or
PostgreSQL, tables ``enf_*``) and :class:`InMemoryLedger` (the fake). Records are
never deleted: a reversed strike, a lifted suspension and a released hold keep
who did it, when and why.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import Table, select, update

from garde.enforce import tables as t
from garde.enforce._util import dumps, utc
from garde.errors import NotFound
from garde.store.db import Database, pg_insert

__all__ = [
    "AuditEvent",
    "Hold",
    "InMemoryLedger",
    "Ledger",
    "ReportRecord",
    "SqlLedger",
    "Strike",
    "Suspension",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Strike:
    """A strike against an actor for one blocked decision, weighted by the rule that fired."""

    id: str
    actor_id: str
    decision_id: str | None
    rule_id: str
    category: str
    weight: int
    country: str
    created_at: datetime
    reversed_at: datetime | None = None
    reversed_by: str | None = None
    reversal_note: str | None = None

    @property
    def active(self) -> bool:
        return self.reversed_at is None

    def to_dict(self) -> dict[str, Any]:
        return _to_dict(self)


@dataclass(frozen=True, slots=True, kw_only=True)
class Suspension:
    """A suspension: ``temporary`` (with ``ends_at``) or ``permanent`` (no end)."""

    id: str
    actor_id: str
    kind: str
    reason: str
    starts_at: datetime
    ends_at: datetime | None = None
    strike_id: str | None = None
    decision_id: str | None = None
    rule_id: str | None = None
    lifted_at: datetime | None = None
    lifted_by: str | None = None
    lift_note: str | None = None

    def active(self, at: datetime) -> bool:
        return self.lifted_at is None and self.starts_at <= at and (self.ends_at is None or at < self.ends_at)

    def to_dict(self) -> dict[str, Any]:
        return _to_dict(self)


@dataclass(frozen=True, slots=True, kw_only=True)
class Hold:
    """A preservation hold on a case's evidence (hashes, and stored files when a preservation store is set)."""

    id: str
    case_id: str
    country: str
    evidence: dict[str, Any]
    created_at: datetime
    expires_at: datetime
    decision_id: str | None = None
    actor_id: str | None = None
    released_at: datetime | None = None
    released_by: str | None = None
    release_note: str | None = None

    @property
    def active(self) -> bool:
        return self.released_at is None

    def to_dict(self) -> dict[str, Any]:
        return _to_dict(self)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportRecord:
    """A report package built for one destination; ``sent_at`` once the operator says it was sent."""

    id: str
    case_id: str
    destination: str
    created_at: datetime
    package: dict[str, Any]
    sent_at: datetime | None = None
    sent_by: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return _to_dict(self)


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditEvent:
    """One enforcement action (strike, reversal, suspension, lift, hold, release, report) and who did it."""

    id: str
    at: datetime
    by: str
    action: str
    target: str
    note: str
    actor_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return _to_dict(self)


R = TypeVar("R", Strike, Suspension, Hold, ReportRecord, AuditEvent)

_TABLES: dict[type[Any], Table] = {
    Strike: t.strikes, Suspension: t.suspensions, Hold: t.holds, ReportRecord: t.reports, AuditEvent: t.audit,
}
_JSON_FIELDS = {"evidence", "package"}
_NAMES = {Strike: "strike", Suspension: "suspension", Hold: "hold", ReportRecord: "report", AuditEvent: "audit event"}


def _to_dict(obj: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in dataclasses.fields(obj):
        v = getattr(obj, f.name)
        out[f.name] = v.isoformat() if isinstance(v, datetime) else v
    return out


class Ledger(Protocol):
    """Add, read and update enforcement records.

    ``find`` filters by equality (None matches NULL) and, with ``at_most``, keeps the records whose
    named fields are at most the given values (``at_most={"expires_at": now}``: the holds due now).
    """

    def add(self, rec: R) -> R: ...

    def get(self, cls: type[R], rec_id: str) -> R: ...

    def find(self, cls: type[R], *, at_most: Mapping[str, Any] | None = None, **eq: Any) -> list[R]: ...

    def update(self, cls: type[R], rec_id: str, **values: Any) -> R: ...


class InMemoryLedger:
    """The in-memory fake ledger."""

    def __init__(self) -> None:
        self._rows: dict[type[Any], dict[str, Any]] = {cls: {} for cls in _TABLES}
        self._lock = threading.Lock()

    def add(self, rec: R) -> R:
        with self._lock:
            self._rows[type(rec)][rec.id] = rec
        return rec

    def get(self, cls: type[R], rec_id: str) -> R:
        try:
            got: R = self._rows[cls][rec_id]
            return got
        except KeyError:
            raise NotFound(f"no {_NAMES[cls]} {rec_id!r}") from None

    def find(self, cls: type[R], *, at_most: Mapping[str, Any] | None = None, **eq: Any) -> list[R]:
        le = dict(at_most or {})
        out: list[R] = [r for r in self._rows[cls].values() if all(getattr(r, k) == v for k, v in eq.items())
                        and all(getattr(r, k) is not None and getattr(r, k) <= v for k, v in le.items())]
        return sorted(out, key=_order)

    def update(self, cls: type[R], rec_id: str, **values: Any) -> R:
        with self._lock:
            new = replace(self.get(cls, rec_id), **values)
            self._rows[cls][rec_id] = new
            return new


def _order(r: Any) -> tuple[Any, ...]:
    for name in ("created_at", "starts_at", "at"):
        if hasattr(r, name):
            return (getattr(r, name), r.id)
    return (r.id,)


#: find()'s SQL on PostgreSQL by (table, equality keys and whether each is NULL, at-most keys).
_PG_FIND: dict[tuple[str, tuple[tuple[str, bool], ...], tuple[str, ...]], str] = {}
#: add()'s INSERT on PostgreSQL by table.
_PG_ADD: dict[str, str] = {}


class SqlLedger:
    """The ledger in SQLite or PostgreSQL."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @staticmethod
    def _encode(values: dict[str, Any]) -> dict[str, Any]:
        return {k: (dumps(v) if k in _JSON_FIELDS else v) for k, v in values.items()}

    @staticmethod
    def _decode(cls: type[R], row: Any) -> R:
        kw: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            v = getattr(row, f.name)
            if f.name in _JSON_FIELDS:
                v = json.loads(v)
            elif isinstance(v, datetime):
                v = utc(v)
            kw[f.name] = v
        return cls(**kw)

    def add(self, rec: R) -> R:
        values = self._encode({f.name: getattr(rec, f.name) for f in dataclasses.fields(rec)})
        table = _TABLES[type(rec)]
        if self.db.is_sqlite:
            with self.db.begin() as conn:
                conn.execute(table.insert().values(**values))
            return rec
        # on psycopg directly (one round trip): a blocked check adds a strike and an audit event
        sql = _PG_ADD.get(table.name)
        if sql is None:
            sql = _PG_ADD[table.name] = pg_insert(table.name, (table.c[k].name for k in values))
        with self.db.driver(autocommit=True) as conn:
            conn.execute(sql, values)
        return rec

    def get(self, cls: type[R], rec_id: str) -> R:
        table = _TABLES[cls]
        with self.db.read() as conn:
            row = conn.execute(select(table).where(table.c.id == rec_id)).first()
        if row is None:
            raise NotFound(f"no {_NAMES[cls]} {rec_id!r}")
        return self._decode(cls, row)

    def find(self, cls: type[R], *, at_most: Mapping[str, Any] | None = None, **eq: Any) -> list[R]:
        table = _TABLES[cls]
        at_most = at_most or {}
        if not self.db.is_sqlite:
            return self._find_pg(cls, table, at_most, eq)
        q = select(table)
        for k, v in eq.items():
            q = q.where(table.c[k].is_(None) if v is None else table.c[k] == v)
        for k, v in at_most.items():
            q = q.where(table.c[k] <= self._encode({k: v})[k])
        with self.db.read() as conn:
            rows = conn.execute(q).all()
        return sorted((self._decode(cls, r) for r in rows), key=_order)

    def _find_pg(self, cls: type[R], table: Table, at_most: Mapping[str, Any], eq: Mapping[str, Any]) -> list[R]:
        """:meth:`find` on psycopg directly, one round trip: the enforcer asks it on every check
        (is this actor suspended?), and SQLAlchemy's statement building and execution were most
        of that question's CPU."""
        from psycopg.rows import namedtuple_row

        key = (table.name, tuple((k, eq[k] is None) for k in eq), tuple(at_most))
        sql = _PG_FIND.get(key)
        if sql is None:
            where = [f"{table.c[k].name} IS NULL" if none else f"{table.c[k].name} = %(eq_{k})s" for k, none in key[1]]
            where += [f"{table.c[k].name} <= %(le_{k})s" for k in at_most]
            sql = _PG_FIND[key] = (f"SELECT * FROM {table.name}" + (f" WHERE {' AND '.join(where)}" if where else ""))
        params = {f"eq_{k}": v for k, v in self._encode(dict(eq)).items() if v is not None}
        params.update({f"le_{k}": v for k, v in self._encode(dict(at_most)).items()})
        with self.db.driver(autocommit=True) as conn, conn.cursor(row_factory=namedtuple_row) as cur:
            rows = cur.execute(sql, params).fetchall()
        return sorted((self._decode(cls, r) for r in rows), key=_order)

    def update(self, cls: type[R], rec_id: str, **values: Any) -> R:
        table = _TABLES[cls]
        with self.db.begin() as conn:
            n = conn.execute(update(table).where(table.c.id == rec_id).values(**self._encode(values))).rowcount
        if not n:
            raise NotFound(f"no {_NAMES[cls]} {rec_id!r}")
        return self.get(cls, rec_id)

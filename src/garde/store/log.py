"""The tamper-evident decision log: an append-only hash chain.

Each record is canonical JSON of a decision (ids, digests, signals, rules; never
image bytes; the raw prompt only when the operator enables it). Its digest is
``sha256(prev_digest | seq | record)``, so editing, reordering or deleting any
record breaks the chain at that record, and the head row catches deleted tails.
``verify`` names the first bad record.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select, update

from garde.errors import NotFound, StoreError
from garde.model import Decision, Request
from garde.store.db import Database, pg_insert
from garde.store.tables import decision_images, decisions, log_head

__all__ = [
    "GENESIS",
    "DecisionLog",
    "InMemoryDecisionLog",
    "LogEntry",
    "SqlDecisionLog",
    "VerifyResult",
    "make_record",
]

GENESIS = "0" * 64


def _canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def chain_digest(prev: str, seq: int, record: str) -> str:
    return hashlib.sha256(f"{prev}|{seq}|{record}".encode()).hexdigest()


def store_prompts_enabled() -> bool:
    return os.environ.get("GARDE_STORE_PROMPTS", "0").lower() in ("1", "true", "yes")


def make_record(decision: Decision, request: Request | None, store_prompt: bool | None = None) -> dict[str, Any]:
    """The JSON record of a decision for the log: digests and ids, not bytes."""
    rec = decision.to_dict()
    if request is not None:
        p = request.prompt
        rec["request"] = {
            "surface": request.surface,
            "prompt_sha256": hashlib.sha256(p.encode("utf-8")).hexdigest(),
            "prompt_chars": len(p),
            "history_turns": len(request.history),
            "images": [{"sha256": i.sha256, "bytes": i.size} for i in request.images],
        }
        if store_prompt if store_prompt is not None else store_prompts_enabled():
            rec["request"]["prompt"] = p
    return rec


@dataclass(frozen=True, slots=True, kw_only=True)
class LogEntry:
    seq: int
    decision_id: str
    record: dict[str, Any]
    prev_digest: str
    digest: str


@dataclass(frozen=True, slots=True, kw_only=True)
class VerifyResult:
    ok: bool
    count: int
    first_bad_seq: int | None = None
    first_bad_decision: str | None = None
    reason: str = ""

    def describe(self) -> str:
        if self.ok:
            return f"decision log OK: {self.count} records, hash chain intact"
        return (f"decision log BROKEN at record seq={self.first_bad_seq} "
                f"(decision {self.first_bad_decision}): {self.reason}")


class DecisionLog(Protocol):
    """Append decisions, read them back, verify the chain."""

    def append(self, decision: Decision, request: Request | None = None,
               images: Sequence[tuple[str, str, str | None, int | None]] = ()) -> LogEntry: ...

    def get(self, decision_id: str) -> LogEntry: ...

    def entries(self) -> Iterator[LogEntry]: ...

    def count(self) -> int: ...

    def verify(self) -> VerifyResult: ...


def _verify(rows: Iterator[tuple[int, str, str, str, str, dict[str, str]]], head: tuple[int, str]) -> VerifyResult:
    """rows: (seq, decision_id, record, prev_digest, digest, indexed columns)."""
    prev = GENESIS
    expected = 1
    n = 0
    for seq, did, record, prev_digest, digest, cols in rows:
        n += 1
        if seq != expected:
            return VerifyResult(ok=False, count=n, first_bad_seq=seq, first_bad_decision=did,
                                reason=f"expected seq {expected}: record(s) before it were deleted or reordered")
        if prev_digest != prev:
            return VerifyResult(ok=False, count=n, first_bad_seq=seq, first_bad_decision=did,
                                reason="prev_digest does not match the previous record's digest")
        if chain_digest(prev, seq, record) != digest:
            return VerifyResult(ok=False, count=n, first_bad_seq=seq, first_bad_decision=did,
                                reason="record content does not match its digest (edited)")
        try:
            rec = json.loads(record)
        except ValueError:
            return VerifyResult(ok=False, count=n, first_bad_seq=seq, first_bad_decision=did,
                                reason="record is not valid JSON")
        for col, val in cols.items():
            if str(rec.get(col, "")) != str(val):
                return VerifyResult(ok=False, count=n, first_bad_seq=seq, first_bad_decision=did,
                                    reason=f"column {col!r}={val!r} differs from the signed record")
        prev = digest
        expected += 1
    if head != (expected - 1, prev):
        return VerifyResult(ok=False, count=n, first_bad_seq=expected, first_bad_decision=None,
                            reason=f"log head says {head[0]} records, found {expected - 1}: "
                                   f"the newest records were deleted or the head was edited")
    return VerifyResult(ok=True, count=n)


def _cols(rec: dict[str, Any]) -> dict[str, str]:
    return {"decision_id": rec["decision_id"], "action": rec["action"], "stage": rec["stage"],
            "policy_digest": rec["policy_digest"]}


class InMemoryDecisionLog:
    """The in-memory fake: same contract, nothing persisted."""

    def __init__(self) -> None:
        self._rows: list[LogEntry] = []
        self._lock = threading.Lock()
        self.images: list[dict[str, Any]] = []

    def append(self, decision: Decision, request: Request | None = None,
               images: Sequence[tuple[str, str, str | None, int | None]] = ()) -> LogEntry:
        rec = make_record(decision, request)
        text = _canonical(rec)
        with self._lock:
            prev = self._rows[-1].digest if self._rows else GENESIS
            seq = len(self._rows) + 1
            e = LogEntry(seq=seq, decision_id=decision.decision_id, record=json.loads(text),
                         prev_digest=prev, digest=chain_digest(prev, seq, text))
            self._rows.append(e)
            for role, sha, pdq, q in images:
                self.images.append({"decision_id": decision.decision_id, "role": role, "sha256": sha,
                                    "pdq": pdq, "pdq_quality": q, "country": decision.actor.country})
        return e

    def get(self, decision_id: str) -> LogEntry:
        for e in self._rows:
            if e.decision_id == decision_id:
                return e
        raise NotFound(f"no decision {decision_id!r} in the log")

    def entries(self) -> Iterator[LogEntry]:
        return iter(list(self._rows))

    def count(self) -> int:
        return len(self._rows)

    def verify(self) -> VerifyResult:
        rows = ((e.seq, e.decision_id, _canonical(e.record), e.prev_digest, e.digest, _cols(e.record))
                for e in self._rows)
        head = (self._rows[-1].seq, self._rows[-1].digest) if self._rows else (0, GENESIS)
        return _verify(rows, head)


_PG_HEAD = "SELECT seq, digest FROM log_head WHERE id = 1 FOR UPDATE"
_PG_HEAD_UPDATE = "UPDATE log_head SET seq = %s, digest = %s WHERE id = 1"
_PG_INSERT = pg_insert(decisions.name, (c.name for c in decisions.columns))
_PG_INSERT_IMAGES = pg_insert(decision_images.name, (c.name for c in decision_images.columns if c.name != "id"))


@dataclass(slots=True)
class _Pending:
    decision: Decision
    text: str
    surface: str
    images: Sequence[tuple[str, str, str | None, int | None]]
    done: threading.Event
    entry: LogEntry | None = None
    error: BaseException | None = None


class SqlDecisionLog:
    """The decision log in SQLite or PostgreSQL.

    Appends use group commit: concurrent callers in one process queue their
    records and one of them (the leader) writes the whole batch in a single
    transaction under the head-row lock, then wakes the others. Every caller
    returns only after its record is committed, so nothing is acknowledged that
    is not durable, while a busy worker pays one commit for many decisions.
    """

    def __init__(self, db: Database, max_batch: int = 256) -> None:
        self.db = db
        self.max_batch = max_batch
        self._queue: list[_Pending] = []
        self._cv = threading.Condition()
        self._writing = False

    def append(self, decision: Decision, request: Request | None = None,
               images: Sequence[tuple[str, str, str | None, int | None]] = ()) -> LogEntry:
        item = _Pending(decision=decision, text=_canonical(make_record(decision, request)),
                        surface=request.surface if request else "", images=tuple(images),
                        done=threading.Event())
        with self._cv:
            self._queue.append(item)
            leader = not self._writing
            if leader:
                self._writing = True
        if not leader:
            item.done.wait()
        else:
            try:
                while True:
                    with self._cv:
                        batch, self._queue = self._queue[: self.max_batch], self._queue[self.max_batch:]
                        if not batch:
                            self._writing = False
                            break
                    self._write(batch)
            except BaseException:
                with self._cv:
                    self._writing = False
                raise
        if item.error is not None:
            raise item.error
        assert item.entry is not None
        return item.entry

    @staticmethod
    def _chain(batch: list[_Pending], seq: int, prev: str,
               ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[LogEntry]]:
        """The batch's rows, chained after the head (``seq``, ``prev``): decisions, images, entries."""
        rows, image_rows, entries = [], [], []
        for it in batch:
            d = it.decision
            seq += 1
            digest = chain_digest(prev, seq, it.text)
            rows.append(dict(
                seq=seq, decision_id=d.decision_id, request_id=d.request_id,
                parent_decision_id=d.parent_decision_id, stage=d.stage.value, action=d.action.label,
                actor_id=d.actor.user_id, country=d.actor.country, tier=d.actor.tier,
                surface=it.surface, policy_digest=d.policy_digest, created_at=d.created_at,
                record=it.text, prev_digest=prev, digest=digest,
            ))
            for role, sha, pdq, q in it.images:
                image_rows.append(dict(decision_id=d.decision_id, role=role, sha256=sha, pdq=pdq,
                                       pdq_quality=q, country=d.actor.country, created_at=d.created_at))
            entries.append(LogEntry(seq=seq, decision_id=d.decision_id, record=json.loads(it.text),
                                    prev_digest=prev, digest=digest))
            prev = digest
        return rows, image_rows, entries

    def _write(self, batch: list[_Pending]) -> None:
        try:
            entries = self._write_sqlite(batch) if self.db.is_sqlite else self._write_pg(batch)
            for it, e in zip(batch, entries, strict=True):
                it.entry = e
        except BaseException as e:
            for it in batch:
                it.error = e
        finally:
            for it in batch:
                it.done.set()

    def _write_sqlite(self, batch: list[_Pending]) -> list[LogEntry]:
        with self.db.begin() as conn:
            seq, prev = conn.execute(select(log_head.c.seq, log_head.c.digest).where(log_head.c.id == 1)).one()
            rows, image_rows, entries = self._chain(batch, int(seq), str(prev))
            conn.execute(decisions.insert(), rows)
            if image_rows:
                conn.execute(decision_images.insert(), image_rows)
            conn.execute(update(log_head).where(log_head.c.id == 1).values(seq=rows[-1]["seq"],
                                                                             digest=rows[-1]["digest"]))
        return entries

    def _write_pg(self, batch: list[_Pending]) -> list[LogEntry]:
        """The same transaction on psycopg directly, pipelined: two round trips (lock and read the
        head; then the inserts, the head update and the commit) instead of five, without
        SQLAlchemy's per-statement CPU."""
        with self.db.driver() as conn, conn.pipeline(), conn.cursor() as cur:
            cur.execute(_PG_HEAD)
            head = cur.fetchone()
            if head is None:
                raise StoreError("the decision log's head row is missing: the database was not migrated "
                                 "by garde or was edited")
            rows, image_rows, entries = self._chain(batch, int(head[0]), str(head[1]))
            cur.executemany(_PG_INSERT, rows)
            if image_rows:
                cur.executemany(_PG_INSERT_IMAGES, image_rows)
            cur.execute(_PG_HEAD_UPDATE, (rows[-1]["seq"], rows[-1]["digest"]))
            conn.commit()
        return entries

    def get(self, decision_id: str) -> LogEntry:
        with self.db.begin() as conn:
            row = conn.execute(select(decisions).where(decisions.c.decision_id == decision_id)).first()
        if row is None:
            raise NotFound(f"no decision {decision_id!r} in the log")
        return LogEntry(seq=row.seq, decision_id=row.decision_id, record=json.loads(row.record),
                        prev_digest=row.prev_digest, digest=row.digest)

    def entries(self) -> Iterator[LogEntry]:
        with self.db.begin() as conn:
            rows = conn.execute(select(decisions).order_by(decisions.c.seq)).all()
        for row in rows:
            yield LogEntry(seq=row.seq, decision_id=row.decision_id, record=json.loads(row.record),
                           prev_digest=row.prev_digest, digest=row.digest)

    def count(self) -> int:
        with self.db.begin() as conn:
            return int(conn.execute(select(log_head.c.seq).where(log_head.c.id == 1)).scalar_one())

    def verify(self) -> VerifyResult:
        with self.db.begin() as conn:
            head = conn.execute(select(log_head.c.seq, log_head.c.digest).where(log_head.c.id == 1)).one()
            rows = conn.execute(select(
                decisions.c.seq, decisions.c.decision_id, decisions.c.record, decisions.c.prev_digest,
                decisions.c.digest, decisions.c.action, decisions.c.stage, decisions.c.policy_digest,
            ).order_by(decisions.c.seq)).all()

        def gen() -> Iterator[tuple[int, str, str, str, str, dict[str, str]]]:
            for r in rows:
                yield (int(r.seq), r.decision_id, r.record, r.prev_digest, r.digest,
                       {"decision_id": r.decision_id, "action": r.action, "stage": r.stage,
                        "policy_digest": r.policy_digest})

        return _verify(gen(), (int(head.seq), str(head.digest)))

    def created_between(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        with self.db.begin() as conn:
            rows = conn.execute(select(decisions.c.record).where(
                decisions.c.created_at >= start, decisions.c.created_at < end).order_by(decisions.c.seq)).all()
        return [json.loads(r.record) for r in rows]

"""Hash banks: named lists of PDQ/MD5/SHA-256 hashes with a kind, a threshold and provenance.

Kinds (the policy maps them; see ``policy/packs/floor.yaml``):

* ``known_abuse`` — lists shared by hotlines; a match is ``block_and_report``;
* ``victim_submitted`` — StopNCII-style hashes a depicted person submitted; a match is
  ``block``, and earlier outputs that match are taken down (:mod:`garde.hashing.takedown`);
* ``protected`` — images an operator protects from editing; a match is ``block``;
* ``negative`` — confirmed false positives: a match here suppresses a match of the
  same image against the other banks (see :mod:`garde.hashing.matcher`).

Each bank has a PDQ distance threshold (default 31 bits, inclusive), a quality floor
(default 50: a query image whose PDQ quality is lower is not PDQ-matched against the
bank, and an image of lower quality cannot be banked), and can be disabled.

Provenance: each entry records who submitted it, when, from what source and batch, and
whether a moderator reviewed it. An unreviewed batch larger than the bank's
``quarantine_over`` goes in as ``quarantined``: its matches only count as review until a
moderator confirms the entry (operators of third-party lists report floods of bad hashes).
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from garde.errors import GardeError, InputError, NotFound
from garde.hashing.pdq import ImageHashes, hash_bytes, normalize_hash
from garde.hashing.tables import hash_banks, hash_entries, hash_generation, hash_variants
from garde.store.db import Database

if TYPE_CHECKING:
    from garde.hashing.takedown import Takedown, TakedownRunner

__all__ = [
    "BANK_KINDS",
    "DEFAULT_QUALITY_FLOOR",
    "DEFAULT_QUARANTINE_OVER",
    "DEFAULT_THRESHOLD",
    "HASH_TYPES",
    "AddResult",
    "Bank",
    "BankStore",
    "Entry",
    "NewHash",
    "Snapshot",
]

BANK_KINDS: tuple[str, ...] = ("known_abuse", "victim_submitted", "protected", "negative")
HASH_TYPES: tuple[str, ...] = ("pdq", "md5", "sha256")
STATES: tuple[str, ...] = ("active", "quarantined")
DEFAULT_THRESHOLD = 31
DEFAULT_QUALITY_FLOOR = 50
DEFAULT_QUARANTINE_OVER = 100


def _now() -> datetime:
    return datetime.now(UTC)


def _utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _check_who(who: str, what: str = "submitter") -> str:
    w = (who or "").strip()
    if not w or len(w) > 256:
        raise InputError(f"{what} {who!r} must be 1 to 256 characters")
    return w


@dataclass(frozen=True, slots=True, kw_only=True)
class Bank:
    id: int
    name: str
    kind: str
    threshold: int = DEFAULT_THRESHOLD
    quality_floor: int = DEFAULT_QUALITY_FLOOR
    enabled: bool = True
    quarantine_over: int = DEFAULT_QUARANTINE_OVER
    description: str = ""
    created_at: datetime = field(default_factory=_now)
    updated_at: datetime = field(default_factory=_now)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "threshold": self.threshold,
                "quality_floor": self.quality_floor, "enabled": self.enabled,
                "quarantine_over": self.quarantine_over, "description": self.description,
                "created_at": self.created_at.isoformat(), "updated_at": self.updated_at.isoformat()}


@dataclass(frozen=True, slots=True, kw_only=True)
class NewHash:
    """A hash to bank: from an image (with crop variants) or from an exchange file."""

    hash_type: str
    hash: str
    quality: int | None = None
    tags: tuple[str, ...] = ()
    variants: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        t = self.hash_type.strip().lower()
        object.__setattr__(self, "hash_type", t)
        object.__setattr__(self, "hash", normalize_hash(self.hash, t))
        if self.quality is not None and not 0 <= int(self.quality) <= 100:
            raise InputError(f"PDQ quality {self.quality!r} is outside 0..100")
        if t != "pdq" and self.variants:
            raise InputError(f"only PDQ hashes have crop variants, not {t!r}")
        object.__setattr__(self, "variants", {k: normalize_hash(v, "pdq") for k, v in self.variants.items()})
        object.__setattr__(self, "tags", tuple(str(x).strip() for x in self.tags if str(x).strip()))

    @classmethod
    def from_image(cls, hashes: ImageHashes, tags: Sequence[str] = ()) -> list[NewHash]:
        """The PDQ (with its crop variants) and the SHA-256 of an image."""
        return [cls(hash_type="pdq", hash=hashes.pdq, quality=hashes.quality, tags=tuple(tags),
                    variants=dict(hashes.crops)),
                cls(hash_type="sha256", hash=hashes.sha256, tags=tuple(tags))]


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    id: str
    bank: str
    bank_kind: str
    hash_type: str
    hash: str
    quality: int | None
    state: str
    tags: tuple[str, ...]
    source: str
    batch_id: str
    submitted_by: str
    submitted_at: datetime
    reviewed: bool
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None
    variants: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "bank": self.bank, "bank_kind": self.bank_kind, "type": self.hash_type,
                "hash": self.hash, "quality": self.quality, "state": self.state, "tags": list(self.tags),
                "source": self.source, "batch_id": self.batch_id, "submitted_by": self.submitted_by,
                "submitted_at": self.submitted_at.isoformat(), "reviewed": self.reviewed,
                "reviewed_by": self.reviewed_by,
                "reviewed_at": self.reviewed_at.isoformat() if self.reviewed_at else None,
                "variants": dict(self.variants)}


@dataclass(frozen=True, slots=True, kw_only=True)
class AddResult:
    bank: Bank
    added: tuple[Entry, ...]
    duplicates: int
    low_quality: int
    quarantined: bool
    takedowns: tuple[Takedown, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"bank": self.bank.name, "added": len(self.added), "duplicates": self.duplicates,
                "low_quality": self.low_quality, "quarantined": self.quarantined,
                "entry_ids": [e.id for e in self.added],
                "takedowns": [t.to_dict() for t in self.takedowns]}


@dataclass(frozen=True, slots=True, kw_only=True)
class Snapshot:
    """Everything a matcher needs, read in one transaction."""

    generation: int
    banks: tuple[Bank, ...]
    entries: tuple[Entry, ...]


def _bank(row: Any) -> Bank:
    return Bank(id=int(row.id), name=row.name, kind=row.kind, threshold=int(row.threshold),
                quality_floor=int(row.quality_floor), enabled=bool(row.enabled),
                quarantine_over=int(row.quarantine_over), description=row.description,
                created_at=_utc(row.created_at), updated_at=_utc(row.updated_at))


def _entry(row: Any, bank: Bank, variants: Mapping[str, str]) -> Entry:
    return Entry(id=row.id, bank=bank.name, bank_kind=bank.kind, hash_type=row.hash_type, hash=row.hash,
                 quality=row.quality, state=row.state, tags=tuple(json.loads(row.tags)), source=row.source,
                 batch_id=row.batch_id, submitted_by=row.submitted_by, submitted_at=_utc(row.submitted_at),
                 reviewed=bool(row.reviewed), reviewed_by=row.reviewed_by,
                 reviewed_at=_utc(row.reviewed_at) if row.reviewed_at else None, variants=dict(variants))


class BankStore:
    """Banks and entries in SQLite or PostgreSQL.

    ``takedowns`` runs the retroactive search when entries become active (added
    reviewed, added small, or confirmed); pass ``None`` to get the default
    (:class:`garde.hashing.takedown.TakedownRunner` on the same database).
    """

    def __init__(self, db: Database | None = None, *, takedowns: TakedownRunner | None = None) -> None:
        self.db = db if db is not None else Database()
        self._takedowns = takedowns
        self._lock = threading.Lock()

    @property
    def takedowns(self) -> TakedownRunner:
        with self._lock:
            if self._takedowns is None:
                from garde.hashing.takedown import TakedownRunner

                self._takedowns = TakedownRunner(self.db)
            return self._takedowns

    # -- banks -------------------------------------------------------------------

    @staticmethod
    def _bump(conn: Connection) -> None:
        conn.execute(update(hash_generation).where(hash_generation.c.id == 1)
                     .values(generation=hash_generation.c.generation + 1))

    def generation(self) -> int:
        """A counter that moves on every change to banks or entries."""
        with self.db.begin() as conn:
            return int(conn.execute(select(hash_generation.c.generation)
                                    .where(hash_generation.c.id == 1)).scalar_one())

    def create_bank(self, name: str, kind: str, *, threshold: int = DEFAULT_THRESHOLD,
                    quality_floor: int = DEFAULT_QUALITY_FLOOR, quarantine_over: int = DEFAULT_QUARANTINE_OVER,
                    description: str = "", enabled: bool = True) -> Bank:
        n = (name or "").strip()
        if not n or len(n) > 128 or any(c.isspace() for c in n):
            raise InputError(f"bank name {name!r} must be 1 to 128 characters without spaces")
        if kind not in BANK_KINDS:
            raise InputError(f"unknown bank kind {kind!r}; expected one of {', '.join(BANK_KINDS)}")
        if not 0 <= threshold <= 128:
            raise InputError(f"PDQ threshold {threshold!r} is outside 0..128 bits")
        if not 0 <= quality_floor <= 100:
            raise InputError(f"quality floor {quality_floor!r} is outside 0..100")
        if quarantine_over < 0:
            raise InputError(f"quarantine size {quarantine_over!r} must be >= 0")
        at = _now()
        try:
            with self.db.begin() as conn:
                if conn.execute(select(hash_banks.c.id).where(hash_banks.c.name == n)).first() is not None:
                    raise InputError(f"bank {n!r} already exists")
                conn.execute(insert(hash_banks).values(
                    name=n, kind=kind, threshold=threshold, quality_floor=quality_floor, enabled=enabled,
                    quarantine_over=quarantine_over, description=description, created_at=at, updated_at=at))
                self._bump(conn)
        except IntegrityError:
            raise InputError(f"bank {n!r} already exists") from None
        return self.bank(n)

    def bank(self, name: str) -> Bank:
        with self.db.begin() as conn:
            row = conn.execute(select(hash_banks).where(hash_banks.c.name == name)).first()
        if row is None:
            raise NotFound(f"no hash bank {name!r}")
        return _bank(row)

    def banks(self) -> list[Bank]:
        with self.db.begin() as conn:
            return [_bank(r) for r in conn.execute(select(hash_banks).order_by(hash_banks.c.name))]

    def update_bank(self, name: str, *, enabled: bool | None = None, threshold: int | None = None,
                    quality_floor: int | None = None, quarantine_over: int | None = None) -> Bank:
        bank = self.bank(name)
        values: dict[str, Any] = {"updated_at": _now()}
        if enabled is not None:
            values["enabled"] = enabled
        if threshold is not None:
            if not 0 <= threshold <= 128:
                raise InputError(f"PDQ threshold {threshold!r} is outside 0..128 bits")
            values["threshold"] = threshold
        if quality_floor is not None:
            if not 0 <= quality_floor <= 100:
                raise InputError(f"quality floor {quality_floor!r} is outside 0..100")
            values["quality_floor"] = quality_floor
        if quarantine_over is not None:
            values["quarantine_over"] = quarantine_over
        with self.db.begin() as conn:
            conn.execute(update(hash_banks).where(hash_banks.c.id == bank.id).values(**values))
            self._bump(conn)
        return self.bank(name)

    # -- entries -----------------------------------------------------------------

    def add(self, bank_name: str, hashes: Iterable[NewHash], *, submitted_by: str, reviewed: bool = False,
            source: str = "", takedown: bool = True) -> AddResult:
        """Bank ``hashes``; duplicates in the bank are skipped, PDQs under the bank's quality floor refused.

        An unreviewed batch with more than ``bank.quarantine_over`` new hashes is quarantined.
        Entries that go in active trigger the retroactive takedown search (unless ``takedown=False``).
        """
        who = _check_who(submitted_by)
        bank = self.bank(bank_name)
        items = list(hashes)
        low = [h for h in items if h.hash_type == "pdq" and h.quality is not None and h.quality < bank.quality_floor]
        items = [h for h in items if h not in low]
        batch = uuid.uuid4().hex
        at = _now()
        added_ids: list[str] = []
        duplicates = 0
        with self.db.begin() as conn:
            existing = {(r.hash_type, r.hash) for r in conn.execute(
                select(hash_entries.c.hash_type, hash_entries.c.hash).where(hash_entries.c.bank_id == bank.id))}
            fresh: dict[tuple[str, str], NewHash] = {}
            for h in items:
                key = (h.hash_type, h.hash)
                if key in existing or key in fresh:
                    duplicates += 1
                else:
                    fresh[key] = h
            quarantined = (not reviewed) and len(fresh) > bank.quarantine_over
            state = "quarantined" if quarantined else "active"
            rows: list[dict[str, Any]] = []
            var_rows: list[dict[str, Any]] = []
            for h in fresh.values():
                eid = uuid.uuid4().hex
                added_ids.append(eid)
                rows.append({"id": eid, "bank_id": bank.id, "hash_type": h.hash_type, "hash": h.hash,
                             "quality": h.quality, "state": state, "tags": json.dumps(list(h.tags)),
                             "source": source[:256], "batch_id": batch, "submitted_by": who, "submitted_at": at,
                             "reviewed": reviewed, "reviewed_by": who if reviewed else None,
                             "reviewed_at": at if reviewed else None})
                var_rows.extend({"entry_id": eid, "variant": k, "pdq": v} for k, v in h.variants.items())
            for i in range(0, len(rows), 1000):
                conn.execute(insert(hash_entries), rows[i:i + 1000])
            for i in range(0, len(var_rows), 1000):
                conn.execute(insert(hash_variants), var_rows[i:i + 1000])
            if rows:
                self._bump(conn)
        added = tuple(self.entries_by_id(added_ids))
        takedowns: tuple[Takedown, ...] = ()
        if takedown and not quarantined and added and bank.kind != "negative":
            takedowns = tuple(self.takedowns.run(added))
        return AddResult(bank=bank, added=added, duplicates=duplicates, low_quality=len(low),
                         quarantined=quarantined, takedowns=takedowns)

    def add_images(self, bank_name: str, images: Iterable[tuple[bytes, str]], *, submitted_by: str,
                   reviewed: bool = False, tags: Sequence[str] = (), takedown: bool = True) -> AddResult:
        """Bank images: their PDQ (with the border-crop variants) and SHA-256. The images are not kept.

        An image whose PDQ quality is under the bank's floor is refused with an InputError naming it.
        """
        bank = self.bank(bank_name)
        new: list[NewHash] = []
        names: list[str] = []
        for data, name in images:
            h = hash_bytes(data, name, dihedral=False, crops=True)
            if h.quality < bank.quality_floor:
                raise InputError(f"image {name!r} has PDQ quality {h.quality}, under the floor "
                                 f"{bank.quality_floor} of bank {bank.name!r} (too flat or too small to hash)")
            new.extend(NewHash.from_image(h, tags))
            names.append(name)
        return self.add(bank_name, new, submitted_by=submitted_by, reviewed=reviewed,
                        source="image" if len(names) != 1 else f"image:{names[0]}"[:256], takedown=takedown)

    def entries_by_id(self, ids: Sequence[str]) -> list[Entry]:
        if not ids:
            return []
        out: list[Entry] = []
        with self.db.begin() as conn:
            banks = {b.id: b for b in (_bank(r) for r in conn.execute(select(hash_banks)))}
            for i in range(0, len(ids), 500):
                part = list(ids[i:i + 500])
                variants: dict[str, dict[str, str]] = {}
                for v in conn.execute(select(hash_variants).where(hash_variants.c.entry_id.in_(part))):
                    variants.setdefault(v.entry_id, {})[v.variant] = v.pdq
                for r in conn.execute(select(hash_entries).where(hash_entries.c.id.in_(part))):
                    out.append(_entry(r, banks[int(r.bank_id)], variants.get(r.id, {})))
        order = {e: i for i, e in enumerate(ids)}
        return sorted(out, key=lambda e: order[e.id])

    def entry(self, entry_id: str) -> Entry:
        got = self.entries_by_id([entry_id])
        if not got:
            raise NotFound(f"no hash entry {entry_id!r}")
        return got[0]

    def _entry_conditions(self, bank_name: str | None, state: str | None) -> list[Any]:
        """WHERE conditions for the entries of ``bank_name`` (None: every bank) in ``state`` (None: any)."""
        if state is not None and state not in STATES:
            raise InputError(f"unknown entry state {state!r}; expected one of {', '.join(STATES)}")
        conds: list[Any] = []
        if bank_name is not None:
            conds.append(hash_entries.c.bank_id == self.bank(bank_name).id)
        if state is not None:
            conds.append(hash_entries.c.state == state)
        return conds

    def entries(self, bank_name: str, *, state: str | None = None, limit: int | None = None) -> list[Entry]:
        q = (select(hash_entries.c.id).where(*self._entry_conditions(bank_name, state))
             .order_by(hash_entries.c.submitted_at, hash_entries.c.id))
        if limit is not None:
            q = q.limit(limit)
        with self.db.begin() as conn:
            ids = [r.id for r in conn.execute(q)]
        return self.entries_by_id(ids)

    def entries_page(self, *, state: str | None = None, bank_name: str | None = None, offset: int = 0,
                     limit: int = 50) -> tuple[list[Entry], int]:
        """Entries newest first (in every bank, or in ``bank_name``): one page of them and how many match in all."""
        if offset < 0 or not 1 <= limit <= 1000:
            raise InputError(f"page offset {offset!r} must be >= 0 and limit {limit!r} within 1..1000")
        conds = self._entry_conditions(bank_name, state)
        q = (select(hash_entries.c.id).where(*conds)
             .order_by(hash_entries.c.submitted_at.desc(), hash_entries.c.id.desc()).offset(offset).limit(limit))
        with self.db.begin() as conn:
            total = int(conn.execute(select(func.count()).select_from(hash_entries).where(*conds)).scalar_one())
            ids = [r.id for r in conn.execute(q)]
        return self.entries_by_id(ids), total

    def confirm(self, entry_id: str, *, by: str, takedown: bool = True,
                expect_state: str | None = None) -> tuple[Entry, tuple[Takedown, ...]]:
        """A moderator confirms an entry: it becomes active and reviewed; earlier outputs are searched.

        With ``expect_state`` the entry changes only if it is still in that state, checked in the
        same statement (so a confirm racing a reject or another confirm cannot act twice).
        """
        who = _check_who(by, "moderator")
        e = self.entry(entry_id)
        at = _now()
        with self.db.begin() as conn:
            cond = [hash_entries.c.id == entry_id]
            if expect_state is not None:
                cond.append(hash_entries.c.state == expect_state)
            n = conn.execute(update(hash_entries).where(*cond).values(
                state="active", reviewed=True, reviewed_by=who, reviewed_at=at)).rowcount
            if n == 1:
                self._bump(conn)
        if n != 1:
            raise self._state_changed(entry_id, expect_state, "confirmed")
        e = self.entry(entry_id)
        tds: tuple[Takedown, ...] = ()
        if takedown and e.bank_kind != "negative":
            tds = tuple(self.takedowns.run([e]))
        return e, tds

    def confirm_batch(self, batch_id: str, *, by: str) -> list[tuple[Entry, tuple[Takedown, ...]]]:
        """Confirm every entry of a batch that is still quarantined (each with its retroactive takedown).

        Returns the entries confirmed, each with its takedowns; entries confirmed or rejected
        meanwhile by someone else are skipped.
        """
        _check_who(by, "moderator")
        ids = self._quarantined_in(batch_id)
        out: list[tuple[Entry, tuple[Takedown, ...]]] = []
        for eid in ids:
            try:
                out.append(self.confirm(eid, by=by, expect_state="quarantined"))
            except (InputError, NotFound):
                continue
        return out

    def _quarantined_in(self, batch_id: str) -> list[str]:
        with self.db.begin() as conn:
            return [r.id for r in conn.execute(select(hash_entries.c.id).where(
                hash_entries.c.batch_id == batch_id, hash_entries.c.state == "quarantined"))]

    def reject_batch(self, batch_id: str) -> list[Entry]:
        """Delete every entry of a batch that is still quarantined; returns them (for the audit trail)."""
        ids = self._quarantined_in(batch_id)
        out: list[Entry] = []
        for eid in ids:
            try:
                out.append(self.remove(eid, expect_state="quarantined"))
            except (InputError, NotFound):  # confirmed or rejected meanwhile by someone else
                continue
        return out

    def quarantined_batches(self, *, bank_name: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
        """Batches with quarantined entries, largest first: batch id, bank, count, submitter, first and last."""
        conds = self._entry_conditions(bank_name, "quarantined")
        q = (select(hash_entries.c.batch_id, hash_banks.c.name, hash_entries.c.submitted_by, func.count(),
                    func.min(hash_entries.c.submitted_at), func.max(hash_entries.c.submitted_at))
             .join(hash_banks, hash_banks.c.id == hash_entries.c.bank_id).where(*conds)
             .group_by(hash_entries.c.batch_id, hash_banks.c.name, hash_entries.c.submitted_by)
             .order_by(func.count().desc(), hash_entries.c.batch_id).limit(limit))
        with self.db.begin() as conn:
            return [{"batch_id": r[0], "bank": r[1], "submitted_by": r[2], "count": int(r[3]),
                     "first": r[4], "last": r[5]} for r in conn.execute(q)]

    def remove(self, entry_id: str, *, expect_state: str | None = None) -> Entry:
        """Delete an entry (a withdrawn submission, a rejected third-party hash).

        With ``expect_state`` it is deleted only if it is still in that state (checked in the
        same transaction, as :meth:`confirm` does).
        """
        e = self.entry(entry_id)
        with self.db.begin() as conn:
            cond = [hash_entries.c.id == entry_id]
            if expect_state is not None:
                cond.append(hash_entries.c.state == expect_state)
            gone = conn.execute(delete(hash_entries).where(*cond)).rowcount
            if gone == 1:
                conn.execute(delete(hash_variants).where(hash_variants.c.entry_id == entry_id))
                self._bump(conn)
        if gone != 1:
            raise self._state_changed(entry_id, expect_state, "removed")
        return e

    def _state_changed(self, entry_id: str, expected: str | None, verb: str) -> GardeError:
        try:
            now = self.entry(entry_id).state
        except NotFound:
            return NotFound(f"no hash entry {entry_id!r} (removed meanwhile); it was not {verb}")
        return InputError(f"hash entry {entry_id!r} is {now}, not {expected}; it was not {verb}")

    # -- reading for matchers --------------------------------------------------------

    def snapshot(self) -> Snapshot:
        with self.db.begin() as conn:
            gen = int(conn.execute(select(hash_generation.c.generation)
                                   .where(hash_generation.c.id == 1)).scalar_one())
            banks = {b.id: b for b in (_bank(r) for r in conn.execute(select(hash_banks)))}
            variants: dict[str, dict[str, str]] = {}
            for v in conn.execute(select(hash_variants.c.entry_id, hash_variants.c.variant, hash_variants.c.pdq)):
                variants.setdefault(v.entry_id, {})[v.variant] = v.pdq
            entries = tuple(_entry(r, banks[int(r.bank_id)], variants.get(r.id, {}))
                            for r in conn.execute(select(hash_entries).order_by(hash_entries.c.id)))
        return Snapshot(generation=gen, banks=tuple(sorted(banks.values(), key=lambda b: b.name)), entries=entries)

    def stats(self) -> dict[str, Any]:
        with self.db.begin() as conn:
            counts: dict[int, dict[str, int]] = {}
            for r in conn.execute(select(hash_entries.c.bank_id, hash_entries.c.hash_type, hash_entries.c.state,
                                         func.count()).group_by(hash_entries.c.bank_id, hash_entries.c.hash_type,
                                                                hash_entries.c.state)):
                c = counts.setdefault(int(r[0]), {})
                c[r[1]] = c.get(r[1], 0) + int(r[3])
                c[r[2]] = c.get(r[2], 0) + int(r[3])
                c["entries"] = c.get("entries", 0) + int(r[3])
            unreviewed: dict[int, int] = dict(conn.execute(select(hash_entries.c.bank_id, func.count()).where(
                hash_entries.c.reviewed.is_(False)).group_by(hash_entries.c.bank_id)).all())
            variants = int(conn.execute(select(func.count()).select_from(hash_variants)).scalar_one())
        banks = self.banks()
        out: list[dict[str, Any]] = []
        for b in banks:
            c = counts.get(b.id, {})
            out.append({**b.to_dict(), "entries": c.get("entries", 0), "active": c.get("active", 0),
                        "quarantined": c.get("quarantined", 0), "unreviewed": int(unreviewed.get(b.id, 0)),
                        "by_type": {t: c.get(t, 0) for t in HASH_TYPES}})
        return {"banks": out, "entries": sum(x["entries"] for x in out), "crop_variants": variants,
                "generation": self.generation()}

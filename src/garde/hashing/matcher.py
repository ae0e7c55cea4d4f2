"""Match an image's hashes against a snapshot of the banks.

PDQ: every enabled bank's entries (and their border-crop variants) go in one
:class:`~garde.hashing.index.HashIndex`; a query searches the image's dihedral PDQs
with the largest bank threshold, then keeps a hit when its distance is within *that
entry's* bank threshold and the image's PDQ quality reaches the bank's quality floor.
Exact: SHA-256 and MD5 entries are looked up in a dictionary.

Negative banks: a match against a ``negative`` entry (a confirmed false positive)
suppresses the image's PDQ matches that are not closer than the negative match;
an exact negative match suppresses every match. Suppressed matches are returned by
:meth:`Matcher.match_all` (for explanations) but never become signals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from garde.hashing.banks import Bank, Entry, Snapshot
from garde.hashing.index import HashIndex, build_index
from garde.hashing.pdq import DIHEDRAL_NAMES, ImageHashes, hex_to_words

__all__ = ["Match", "Matcher"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Match:
    bank: str
    bank_kind: str
    entry_id: str
    state: str
    hash_type: str  # pdq | md5 | sha256
    distance: int  # 0 for exact matches
    query_variant: str = "orig"  # which dihedral variant of the image matched
    entry_variant: str = "orig"  # which banked variant (orig, crop5, ...) it matched
    threshold: int = 0
    suppressed_by: str | None = None  # the negative entry that suppressed it

    @property
    def exact(self) -> bool:
        return self.hash_type != "pdq"

    def evidence(self) -> dict[str, Any]:
        return {"bank": self.bank, "bank_kind": self.bank_kind, "distance": self.distance,
                "entry_id": self.entry_id, "state": self.state, "hash_type": self.hash_type,
                "threshold": self.threshold, "query_variant": self.query_variant,
                "entry_variant": self.entry_variant}

    def to_dict(self) -> dict[str, Any]:
        return {**self.evidence(), "suppressed_by": self.suppressed_by}


class Matcher:
    """An immutable matcher over one :class:`~garde.hashing.banks.Snapshot`."""

    def __init__(self, snapshot: Snapshot, *, index_kind: str = "auto") -> None:
        self.generation = snapshot.generation
        self.banks: dict[str, Bank] = {b.name: b for b in snapshot.banks}
        enabled = {b.name for b in snapshot.banks if b.enabled}
        self.entries: dict[str, Entry] = {e.id: e for e in snapshot.entries if e.bank in enabled}
        pdq_rows: list[tuple[str, str, str]] = []  # (entry_id, variant, hex)
        self._exact: dict[tuple[str, str], list[str]] = {}
        for e in self.entries.values():
            if e.hash_type == "pdq":
                pdq_rows.append((e.id, "orig", e.hash))
                pdq_rows.extend((e.id, k, v) for k, v in sorted(e.variants.items()))
            else:
                self._exact.setdefault((e.hash_type, e.hash), []).append(e.id)
        self._row_entry = [r[0] for r in pdq_rows]
        self._row_variant = [r[1] for r in pdq_rows]
        self._row_threshold = np.array([self.banks[self.entries[r[0]].bank].threshold for r in pdq_rows],
                                       dtype=np.int64)
        self._row_floor = np.array([self.banks[self.entries[r[0]].bank].quality_floor for r in pdq_rows],
                                   dtype=np.int64)
        self.index: HashIndex = build_index(hex_to_words([r[2] for r in pdq_rows]), index_kind)
        self.max_threshold = int(self._row_threshold.max()) if pdq_rows else -1

    @property
    def empty(self) -> bool:
        return not self.entries

    def __len__(self) -> int:
        return len(self.entries)

    def _pdq_matches(self, pdqs: Sequence[str], quality: int) -> list[Match]:
        if self.max_threshold < 0 or not pdqs:
            return []
        results = self.index.search(hex_to_words(list(pdqs)), self.max_threshold)
        best: dict[str, Match] = {}
        names = DIHEDRAL_NAMES if len(pdqs) == len(DIHEDRAL_NAMES) else tuple(f"q{i}" for i in range(len(pdqs)))
        for qi, (pos, dist) in enumerate(results):
            for p, d in zip(pos.tolist(), dist.tolist(), strict=True):
                if d > self._row_threshold[p] or quality < self._row_floor[p]:
                    continue
                e = self.entries[self._row_entry[p]]
                prev = best.get(e.id)
                if prev is not None and prev.distance <= d:
                    continue
                best[e.id] = Match(bank=e.bank, bank_kind=e.bank_kind, entry_id=e.id, state=e.state,
                                   hash_type="pdq", distance=int(d), query_variant=names[qi],
                                   entry_variant=self._row_variant[p], threshold=int(self._row_threshold[p]))
        return list(best.values())

    def _exact_matches(self, hashes: ImageHashes) -> list[Match]:
        out: list[Match] = []
        for t, h in (("sha256", hashes.sha256), ("md5", hashes.md5)):
            for eid in self._exact.get((t, h), []):
                e = self.entries[eid]
                out.append(Match(bank=e.bank, bank_kind=e.bank_kind, entry_id=e.id, state=e.state, hash_type=t,
                                 distance=0))
        return out

    def match_all(self, hashes: ImageHashes) -> list[Match]:
        """Every match, suppressed ones included (``suppressed_by`` set), nearest first."""
        found = self._exact_matches(hashes) + self._pdq_matches(hashes.query_pdqs(), hashes.quality)
        negatives = [m for m in found if m.bank_kind == "negative"]
        out: list[Match] = []
        for m in found:
            if m.bank_kind != "negative":
                by = None
                for n in sorted(negatives, key=lambda x: x.distance):
                    if n.exact or (not m.exact and n.distance <= m.distance):
                        by = n.entry_id
                        break
                if by is not None:
                    m = replace(m, suppressed_by=by)
            out.append(m)
        return sorted(out, key=lambda m: (m.suppressed_by is not None, m.distance, m.bank, m.entry_id))

    def match(self, hashes: ImageHashes) -> list[Match]:
        """The matches that count: positive banks, not suppressed by a negative entry."""
        return [m for m in self.match_all(hashes) if m.bank_kind != "negative" and m.suppressed_by is None]

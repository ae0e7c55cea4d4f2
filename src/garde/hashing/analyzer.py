"""The hashing analyser: PDQ + exact hashes of every image, matched against the banks.

It reports facts only: one ``hash_match`` (PDQ) or ``exact_hash_match`` (SHA-256/MD5)
signal per bank entry the image matches, with evidence ``bank``, ``bank_kind``,
``distance``, ``entry_id``, ``state`` (active | quarantined) and the image's
``sha256``, ``pdq`` and ``pdq_quality`` (so the guard stores the hash with the
decision). The score is the PDQ similarity ``1 - distance / 256`` (1.0 for exact
matches); whether a distance is a match is the bank's own threshold, which is
operator data, like the policy. The policy decides what a match means.

Every image is hashed even when no bank exists (then no match is emitted), so that
the hashes of released outputs are stored for retroactive takedown: through an
informational ``image_hash`` signal per image (evidence sha256/pdq/pdq_quality, score
= quality / 100), which ``Guard._record`` writes to ``decision_images``; or, for a
guard built without it, the ``Guard.on_decision`` hook
:meth:`HashAnalyzer.record_decision_hashes`.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import update

from garde.analyzers import AnalysisContext
from garde.hashing.banks import BankStore
from garde.hashing.matcher import Matcher
from garde.hashing.pdq import ImageHashes, decode_rgb, hash_rgb
from garde.model import Decision, Image, Request, Signal, Stage
from garde.store.tables import decision_images

__all__ = ["ANALYZER_VERSION", "HashAnalyzer", "default_analyzer", "image_hashes"]

ANALYZER_VERSION = "1"
MAX_SIGNALS_PER_IMAGE = 10


def _pdq_version() -> str:
    try:
        from importlib.metadata import version

        return version("pdqhash")
    except Exception:  # pragma: no cover - metadata missing in odd installs
        return "?"


def image_hashes(ctx: AnalysisContext, image: Image, *, dihedral: bool = True) -> ImageHashes:
    """The hashes of ``image`` for this check, computed once and shared (``ctx.shared['hashes:<sha256>']``)."""

    def compute() -> ImageHashes:
        rgb = decode_rgb(image.data, image.name)
        return hash_rgb(rgb, sha256=image.sha256, md5=hashlib.md5(image.data, usedforsecurity=False).hexdigest(),
                        dihedral=dihedral)

    got: Any = ctx.cached(f"hashes:{image.sha256}:{int(dihedral)}", compute)
    assert isinstance(got, ImageHashes)
    return got


class HashAnalyzer:
    """Implements :class:`garde.analyzers.Analyzer` (name ``hashing``)."""

    name = "hashing"
    stages: frozenset[Stage] = frozenset({Stage.REQUEST, Stage.OUTPUT})
    images_only = True  # nothing to say about a text-only request

    def __init__(self, store: BankStore | None = None, *, index_kind: str = "auto", dihedral: bool = True,
                 refresh_seconds: float = 0.0, emit_image_hash: bool = False, recent: int = 4096) -> None:
        """``store=None`` means no banks: images are hashed, nothing is matched.

        ``refresh_seconds``: how long a matcher is trusted before the banks' generation
        counter is read again (0: on every check; one single-row SELECT).
        ``emit_image_hash``: also emit an informational ``image_hash`` signal per image
        (score = PDQ quality / 100; evidence sha256/pdq/pdq_quality), which the guard stores
        with the decision; :func:`default_analyzer` turns it on when the name is registered.
        """
        self.store = store
        self.index_kind = index_kind
        self.dihedral = dihedral
        self.refresh_seconds = refresh_seconds
        self.emit_image_hash = emit_image_hash
        self.version = f"{ANALYZER_VERSION}+pdqhash-{_pdq_version()}"
        self._matcher: Matcher | None = None
        self._checked = 0.0
        self._lock = threading.Lock()
        self._recent: OrderedDict[str, ImageHashes] = OrderedDict()
        self._recent_max = recent

    # -- the matcher, rebuilt when the banks change ------------------------------------

    def matcher(self) -> Matcher | None:
        """The current matcher, or None when there are no banks."""
        if self.store is None:
            return None
        now = time.monotonic()
        with self._lock:
            if self._matcher is not None and now - self._checked < self.refresh_seconds:
                return self._matcher
            gen = self.store.generation()
            if self._matcher is None or self._matcher.generation != gen:
                self._matcher = Matcher(self.store.snapshot(), index_kind=self.index_kind)
            self._checked = now
            return self._matcher

    # -- the Analyzer protocol ------------------------------------------------------------

    def analyze(self, ctx: AnalysisContext) -> Sequence[Signal]:
        images = ctx.images
        if not images:
            return []
        matcher = self.matcher()
        source = f"{self.name}@{self.version}"
        out: list[Signal] = []
        for i, image in enumerate(images):
            h = image_hashes(ctx, image, dihedral=self.dihedral)
            self._remember(h)
            subject = "output" if ctx.stage is Stage.OUTPUT and ctx.output is not None else f"image:{i}"
            if self.emit_image_hash:
                out.append(Signal(name="image_hash", score=h.quality / 100.0, source=source, subject=subject,
                                  evidence=h.to_dict()))
            if matcher is None or matcher.empty:
                continue
            for m in matcher.match(h)[:MAX_SIGNALS_PER_IMAGE]:
                out.append(Signal(
                    name="exact_hash_match" if m.exact else "hash_match",
                    score=1.0 if m.exact else max(0.0, 1.0 - m.distance / 256.0),
                    source=source, subject=subject,
                    evidence={**m.evidence(), **h.to_dict()},
                ))
        return out

    # -- storing hashes with decisions ----------------------------------------------------

    def _remember(self, h: ImageHashes) -> None:
        with self._lock:
            self._recent[h.sha256] = h
            self._recent.move_to_end(h.sha256)
            while len(self._recent) > self._recent_max:
                self._recent.popitem(last=False)

    def recent_hashes(self, sha256: str) -> ImageHashes | None:
        with self._lock:
            return self._recent.get(sha256)

    def record_decision_hashes(self, decision: Decision, request: Request | None = None) -> int:
        """A ``Guard.on_decision`` hook: fill in ``pdq``/``pdq_quality`` of the decision's rows in
        ``decision_images`` (written by ``SqlDecisionLog`` in the same database). Returns rows updated."""
        if self.store is None:
            return 0
        n = 0
        with self.store.db.begin() as conn:
            for sha in decision.image_sha256:
                h = self.recent_hashes(sha)
                if h is None:
                    continue
                res = conn.execute(update(decision_images).where(
                    decision_images.c.decision_id == decision.decision_id, decision_images.c.sha256 == sha,
                    decision_images.c.pdq.is_(None)).values(pdq=h.pdq, pdq_quality=h.quality))
                n += int(res.rowcount or 0)
        return n


def default_analyzer() -> HashAnalyzer:
    """The analyser the guard loads: banks from the default database (``$GARDE_DB_URL`` or the SQLite file)."""
    from garde.signals import is_known
    from garde.store.db import Database

    # the guard stores sha256/pdq/pdq_quality from an ``image_hash`` signal once that name is registered
    return HashAnalyzer(BankStore(Database()), emit_image_hash=is_known("image_hash"))

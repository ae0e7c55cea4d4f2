"""The attire delta: does anyone in the edit wear less than in the original?

People are matched between the original and the edit by the IoU of their face
boxes in *normalised* coordinates (box / image size), so an edit returned at a
different resolution still matches. Greedy matching, best IoU first, minimum
IoU :data:`MIN_IOU` (edits usually keep the composition).

* A matched person gains ``max(0, after - before)`` levels.
* An edited person with no match (the composition changed, or a face was
  missed in one image) is compared with the *least* exposed unmatched person
  of the original (or the least exposed person overall), never lower than
  ``covered``: a person the detector did not see in the original is assumed to
  have been covered. This is the conservative fall-back to image level.
* The "body" person (parts no face claims) is matched to the original's body
  person when both exist, otherwise handled as unmatched.

Adding clothing or keeping it is never an increase (``gained`` is clipped at 0).

``attire_delta`` = max levels gained / 4. ``exposure_increase`` = the strongest
rescaled evidence, over people, that a person now reaches a level above their
original one (>= 0.5 exactly when a level was gained, see
:func:`garde.vision.exposure.level_score`), so a policy threshold below 0.5
can also catch increases the presence thresholds did not confirm.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from garde.vision.detectors import Box
from garde.vision.exposure import ExposureResult, Level, PersonExposure, level_score

__all__ = ["MIN_IOU", "DeltaResult", "PersonDelta", "compare_exposure", "compare_many", "iou"]

MIN_IOU = 0.3


def iou(a: Box, b: Box) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    ix = max(0.0, min(ax + aw, bx + bw) - max(ax, bx))
    iy = max(0.0, min(ay + ah, by + bh) - max(ay, by))
    inter = ix * iy
    union = aw * ah + bw * bh - inter
    return inter / union if union > 0 else 0.0


def _norm(box: Box, size: tuple[int, int]) -> Box:
    w, h = max(size[0], 1), max(size[1], 1)
    return (box[0] / w, box[1] / h, box[2] / w, box[3] / h)


@dataclass(frozen=True, slots=True, kw_only=True)
class PersonDelta:
    edit_index: int
    original_index: int | None
    before: Level
    after: Level
    gained: int
    iou: float
    increase_score: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "edit_person": self.edit_index,
            "original_person": self.original_index,
            "before": self.before.label,
            "after": self.after.label,
            "gained": self.gained,
            "iou": round(self.iou, 3),
            "increase_score": round(self.increase_score, 4),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class DeltaResult:
    persons: tuple[PersonDelta, ...]
    before: Level
    after: Level
    gained: int
    mode: str  # "person" when every edited person matched, else "image" (fall-back used)
    exposure_increase: float

    @property
    def attire_delta(self) -> float:
        return self.gained / 4.0

    def evidence(self) -> dict[str, Any]:
        return {
            "before": self.before.label,
            "after": self.after.label,
            "gained": self.gained,
            "mode": self.mode,
            "persons": [p.to_dict() for p in self.persons],
        }


def _increase(person: PersonExposure, before: Level) -> float:
    if before >= Level.EXPLICIT:
        return 0.0
    return level_score(person.parts, Level(max(before, Level.COVERED) + 1))


def compare_exposure(
    original: ExposureResult, edited: ExposureResult, min_iou: float = MIN_IOU
) -> DeltaResult:
    """Per-person delta between one original and one edit."""
    pairs: list[tuple[float, int, int]] = []
    for i, e in enumerate(edited.persons):
        for j, o in enumerate(original.persons):
            if e.face_box is None and o.face_box is None:
                pairs.append((1.0, i, j))
            elif e.face_box is not None and o.face_box is not None:
                v = iou(_norm(e.face_box, edited.size), _norm(o.face_box, original.size))
                if v >= min_iou:
                    pairs.append((v, i, j))
    pairs.sort(reverse=True)
    match: dict[int, tuple[int, float]] = {}
    used: set[int] = set()
    for v, i, j in pairs:
        if i not in match and j not in used:
            match[i] = (j, v)
            used.add(j)
    leftover = [o for j, o in enumerate(original.persons) if j not in used] or list(original.persons)
    fallback = max(Level.COVERED, min((o.level for o in leftover), default=Level.COVERED))
    deltas: list[PersonDelta] = []
    for i, e in enumerate(edited.persons):
        if i in match:
            j, v = match[i]
            before = max(Level.COVERED, original.persons[j].level)
            oi: int | None = j
        else:
            before, oi, v = fallback, None, 0.0
        gained = max(0, int(e.level) - int(before))
        deltas.append(
            PersonDelta(
                edit_index=i,
                original_index=oi,
                before=before,
                after=e.level,
                gained=gained,
                iou=v,
                increase_score=_increase(e, before),
            )
        )
    mode = "person" if deltas and all(d.original_index is not None for d in deltas) else "image"
    return DeltaResult(
        persons=tuple(deltas),
        before=original.level,
        after=edited.level,
        gained=max((d.gained for d in deltas), default=0),
        mode=mode,
        exposure_increase=max((d.increase_score for d in deltas), default=0.0),
    )


def compare_many(originals: Sequence[ExposureResult], edited: ExposureResult) -> DeltaResult:
    """Delta of one edit against several originals.

    The original whose people match the edit best (most matched people, then
    highest mean IoU) is the reference; with no match anywhere the most
    conservative comparison (largest gain) is reported.
    """
    if not originals:
        # No original to compare with: every person counts from "covered".
        empty = ExposureResult(
            level=Level.NONE, parts=(), persons=(), size=edited.size, revealing=0.0, nudity=0.0, explicit=0.0
        )
        return compare_exposure(empty, edited)
    results = [compare_exposure(o, edited) for o in originals]

    def quality(r: DeltaResult) -> tuple[int, float]:
        matched = [p for p in r.persons if p.original_index is not None]
        return (len(matched), sum(p.iou for p in matched) / len(matched) if matched else 0.0)

    best = max(results, key=quality)
    if quality(best)[0] == 0:
        return max(results, key=lambda r: (r.gained, r.exposure_increase))
    return best

"""NudeNet body-part detections → an ordered exposure level, per person and per image.

Levels (ordered; the attire delta counts steps between them)::

    0 none            no person in the image
    1 covered         a person, no revealing cue
    2 revealing       swimwear, underwear, lingerie, crop tops, shirtless: belly or male chest
                      exposed, or a covered crotch/buttocks visible (NudeNet only labels those
                      when they are outlined by tight or minimal clothing), while breasts,
                      genitals and buttocks are covered
    3 partial_nudity  female breast or buttocks exposed
    4 explicit        genitals or anus exposed

The mapping from NudeNet classes (:data:`PART_LEVEL`) and the per-class presence
thresholds (:data:`PRESENCE`) are documented with their measurements in
``docs/vision.md``. A part is *present* when its detector score reaches its
presence threshold. Signal scores are the strongest part behind each level,
rescaled piecewise-linearly so that the presence threshold maps to 0.5: a
policy threshold of 0.5 on ``exposure_*`` means exactly "the level reached",
lower policy thresholds trade precision for recall down to the detection floor
(0.10). Raw detector scores stay in the evidence.

Parts are attributed to people through their faces: each face gets a body region
below and around it (about 8 face heights down, 1.5 face widths either side);
a part whose centre falls in one region belongs to that person (the nearest face
when regions overlap). Parts no face claims form one extra "body" person, so a
headless crop is still assessed. The image level is the maximum over people.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from garde.vision.detectors import Box, Part

__all__ = [
    "PART_LEVEL",
    "PRESENCE",
    "ExposureResult",
    "Level",
    "PersonExposure",
    "assess",
    "level_score",
]


class Level(enum.IntEnum):
    NONE = 0
    COVERED = 1
    REVEALING = 2
    PARTIAL_NUDITY = 3
    EXPLICIT = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str | int) -> Level:
        if isinstance(value, int):
            return cls(value)
        return cls[value.strip().upper()]


#: The level a present part implies on its own.
PART_LEVEL: Mapping[str, Level] = {
    "FEMALE_GENITALIA_EXPOSED": Level.EXPLICIT,
    "MALE_GENITALIA_EXPOSED": Level.EXPLICIT,
    "ANUS_EXPOSED": Level.EXPLICIT,
    "FEMALE_BREAST_EXPOSED": Level.PARTIAL_NUDITY,
    "BUTTOCKS_EXPOSED": Level.PARTIAL_NUDITY,
    "BELLY_EXPOSED": Level.REVEALING,
    "MALE_BREAST_EXPOSED": Level.REVEALING,
    "FEMALE_GENITALIA_COVERED": Level.REVEALING,
    "BUTTOCKS_COVERED": Level.REVEALING,
    "ANUS_COVERED": Level.REVEALING,
    "FEMALE_BREAST_COVERED": Level.COVERED,
    "BELLY_COVERED": Level.COVERED,
    "ARMPITS_EXPOSED": Level.COVERED,
    "ARMPITS_COVERED": Level.COVERED,
    "FEET_EXPOSED": Level.COVERED,
    "FEET_COVERED": Level.COVERED,
}

#: Presence thresholds on NudeNet scores, per class (see docs/vision.md for why).
PRESENCE: Mapping[str, float] = {
    # explicit: 0.40. On 575 clothed photos (COCO + UTKFace) the highest genital score left
    # after the in-face suppression below was 0.35 (a sofa scene), so 0.40 keeps clothed
    # photos out of "explicit"; lower policy thresholds on exposure_explicit reach further.
    "FEMALE_GENITALIA_EXPOSED": 0.40,
    "MALE_GENITALIA_EXPOSED": 0.40,
    "ANUS_EXPOSED": 0.40,
    # partial nudity: 0.30, below NudeNet's usual 0.5 operating points (recall first);
    # no clothed photo reached 0.2 outside a face box.
    "FEMALE_BREAST_EXPOSED": 0.30,
    "BUTTOCKS_EXPOSED": 0.30,
    # revealing cues
    "BELLY_EXPOSED": 0.30,
    "MALE_BREAST_EXPOSED": 0.30,
    "FEMALE_GENITALIA_COVERED": 0.35,
    "BUTTOCKS_COVERED": 0.35,
    "ANUS_COVERED": 0.35,
    # person evidence only
    "FEMALE_BREAST_COVERED": 0.30,
    "BELLY_COVERED": 0.30,
    "ARMPITS_EXPOSED": 0.30,
    "ARMPITS_COVERED": 0.30,
    "FEET_EXPOSED": 0.40,
    "FEET_COVERED": 0.40,
}
#: A body part with at least this share of its box inside a face box (grown by 15 % each
#: side) is a face misread: NudeNet 320n calls close-up faces, mostly bearded or older men,
#: FEMALE_GENITALIA_EXPOSED (up to 0.78) on 49 of 495 UTKFace crops.
IN_FACE_SHARE = 0.8
#: Suppressed parts still count at this weight in the signal scores (never in levels).
IN_FACE_WEIGHT = 0.5
DEFAULT_PRESENCE = 0.30
FACE_CLASSES = frozenset({"FACE_FEMALE", "FACE_MALE"})


def presence(label: str) -> float:
    return PRESENCE.get(label, DEFAULT_PRESENCE)


def rescale(raw: float, threshold: float) -> float:
    """Map a raw score so that ``threshold`` → 0.5 (piecewise linear, 0 → 0, 1 → 1)."""
    raw = min(1.0, max(0.0, raw))
    if threshold <= 0.0 or threshold >= 1.0:
        return raw
    if raw < threshold:
        return 0.5 * raw / threshold
    return 0.5 + 0.5 * (raw - threshold) / (1.0 - threshold)


def level_score(parts: Sequence[Part], level: Level) -> float:
    """Rescaled strength of the evidence that the level is ``level`` or higher."""
    best = 0.0
    for p in parts:
        lv = PART_LEVEL.get(p.label)
        if lv is not None and lv >= level:
            best = max(best, rescale(p.score, presence(p.label)))
    return best


@dataclass(frozen=True, slots=True, kw_only=True)
class PersonExposure:
    """One person's exposure: a face box (None for the unattributed body), level and parts."""

    index: int
    face_box: Box | None
    level: Level
    parts: tuple[Part, ...]
    scores: Mapping[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "face_box": None if self.face_box is None else [round(v) for v in self.face_box],
            "level": self.level.label,
            "parts": [p.to_dict() for p in self.parts],
            "scores": {k: round(v, 4) for k, v in self.scores.items()},
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class ExposureResult:
    """Exposure of a whole image: level (max over people), present parts, per-person detail."""

    level: Level
    parts: tuple[Part, ...]
    persons: tuple[PersonExposure, ...]
    size: tuple[int, int]
    revealing: float
    nudity: float
    explicit: float
    suppressed: tuple[Part, ...] = ()

    @property
    def present_parts(self) -> tuple[Part, ...]:
        return tuple(p for p in self.parts if p.score >= presence(p.label))

    def evidence(self) -> dict[str, Any]:
        return {
            "level": self.level.label,
            "parts": sorted({p.label for p in self.present_parts}),
            "detections": [p.to_dict() for p in self.parts],
            "suppressed_in_face": [p.to_dict() for p in self.suppressed],
        }


def _scores(parts: Sequence[Part]) -> dict[str, float]:
    return {
        "revealing": level_score(parts, Level.REVEALING),
        "partial_nudity": level_score(parts, Level.PARTIAL_NUDITY),
        "explicit": level_score(parts, Level.EXPLICIT),
    }


def _level(parts: Sequence[Part], has_person: bool) -> Level:
    lv = Level.COVERED if has_person else Level.NONE
    for p in parts:
        if p.score >= presence(p.label):
            lv = max(lv, PART_LEVEL.get(p.label, Level.COVERED))
    return lv


def _body_region(face: Box, size: tuple[int, int]) -> Box:
    x, y, w, h = face
    W, H = size
    x0, y0 = max(0.0, x - 1.5 * w), max(0.0, y - 0.5 * h)
    x1, y1 = min(float(W), x + 2.5 * w), min(float(H), y + 8.0 * h)
    return (x0, y0, x1 - x0, y1 - y0)


def _inside(pt: tuple[float, float], box: Box) -> bool:
    x, y, w, h = box
    return x <= pt[0] <= x + w and y <= pt[1] <= y + h


def _in_face(box: Box, faces: Sequence[Box]) -> bool:
    x, y, w, h = box
    area = max(w * h, 1e-6)
    for fx, fy, fw, fh in faces:
        gx, gy, gw, gh = fx - 0.15 * fw, fy - 0.15 * fh, 1.3 * fw, 1.3 * fh
        ix = max(0.0, min(x + w, gx + gw) - max(x, gx))
        iy = max(0.0, min(y + h, gy + gh) - max(y, gy))
        if ix * iy / area >= IN_FACE_SHARE:
            return True
    return False


def assess(
    parts: Sequence[Part], faces: Sequence[Box], size: tuple[int, int], person_present: bool | None = None
) -> ExposureResult:
    """Map detections (face classes are ignored here) and face boxes to levels.

    ``person_present`` overrides the presence test (faces or any present body
    part) when the caller knows better.
    """
    body: list[Part] = []
    suppressed: list[Part] = []
    for p in parts:
        if p.label in FACE_CLASSES:
            continue
        (suppressed if _in_face(p.box, faces) else body).append(p)
    regions = [_body_region(f, size) for f in faces]
    owned: list[list[Part]] = [[] for _ in faces]
    unowned: list[Part] = []
    for p in body:
        cx, cy = p.box[0] + p.box[2] / 2, p.box[1] + p.box[3] / 2
        best, best_d = -1, float("inf")
        for i, (f, r) in enumerate(zip(faces, regions, strict=True)):
            if _inside((cx, cy), r):
                fx = f[0] + f[2] / 2
                d = abs(cx - fx) / max(f[2], 1.0)
                if d < best_d:
                    best, best_d = i, d
        (owned[best] if best >= 0 else unowned).append(p)
    persons = [
        PersonExposure(
            index=i,
            face_box=(float(f[0]), float(f[1]), float(f[2]), float(f[3])),
            level=_level(owned[i], True),
            parts=tuple(owned[i]),
            scores=_scores(owned[i]),
        )
        for i, f in enumerate(faces)
    ]
    if any(p.score >= presence(p.label) for p in unowned):
        persons.append(
            PersonExposure(
                index=len(faces),
                face_box=None,
                level=_level(unowned, True),
                parts=tuple(unowned),
                scores=_scores(unowned),
            )
        )
    has_person = bool(persons) if person_present is None else person_present
    level = max((p.level for p in persons), default=Level.COVERED if has_person else Level.NONE)
    if not has_person:
        level = Level.NONE
    s = _scores(body)
    if suppressed:
        weak = _scores([Part(label=p.label, score=p.score * IN_FACE_WEIGHT, box=p.box) for p in suppressed])
        s = {k: max(v, weak[k]) for k, v in s.items()}
    return ExposureResult(
        suppressed=tuple(suppressed),
        level=level,
        parts=tuple(body),
        persons=tuple(persons),
        size=size,
        revealing=s["revealing"],
        nudity=s["partial_nudity"],
        explicit=s["explicit"],
    )

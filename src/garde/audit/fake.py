"""An in-memory fake inspector for tests: labels come from the top-left pixel's colour.

``r >= 128`` → a person; with a person, ``g >= 128`` → revealing attire and
``b >= 128`` → an apparent minor; odd ``r`` → female. No models are loaded.

Test hooks (environment, so they reach worker processes): ``GARDE_AUDIT_FAKE_LOG``
names a file to which every inspected id is appended; ``GARDE_AUDIT_FAKE_FAIL_AFTER``
makes the inspector raise ``KeyboardInterrupt`` once that many ids are in the log
(an interrupted run).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Sequence
from typing import Any

from garde.audit.readers import Item, load_bytes
from garde.audit.rows import EXPOSURE_LEVELS, Thresholds, empty_row, error_row, redact
from garde.errors import ImageError

__all__ = ["FakeInspector"]


class FakeInspector:
    def __init__(self) -> None:
        self.thresholds = Thresholds()

    def version(self) -> str:
        return "fake-1"

    def methods(self) -> dict[str, Any]:
        return {"inspector": "garde.audit.fake:FakeInspector", "vision": "fake-1",
                "thresholds": self.thresholds.to_dict(), "text": "text analyser unavailable"}

    def _log(self, ids: Sequence[str]) -> None:
        path = os.environ.get("GARDE_AUDIT_FAKE_LOG")
        if not path:
            return
        limit = os.environ.get("GARDE_AUDIT_FAKE_FAIL_AFTER")
        if limit is not None and os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                if sum(1 for _ in f) >= int(limit):
                    raise KeyboardInterrupt("fake interruption")
        with open(path, "a", encoding="utf-8") as f:
            f.writelines(i + "\n" for i in ids)

    def inspect(self, items: Sequence[Item]) -> list[dict[str, Any]]:
        from PIL import Image as PILImage

        self._log([it.id for it in items])
        rows: list[dict[str, Any]] = []
        for it in items:
            meta = it.meta_dict()
            try:
                data = load_bytes(it.location)
                try:
                    pil = PILImage.open(io.BytesIO(data))
                    pil.load()
                    r, g, b = pil.convert("RGB").getpixel((0, 0))  # type: ignore[misc]
                except Exception as e:
                    raise ImageError(f"image {it.id!r} is truncated or corrupt: {e}") from None
            except ImageError as e:
                rows.append(error_row(it.id, it.location, it.original, meta, e.message, "fake-1"))
                continue
            person = r >= 128
            level = ("revealing" if g >= 128 else "covered") if person else "none"
            minor = person and b >= 128
            gender = "female" if r % 2 else "male"
            row = empty_row(it.id, it.location, it.original, meta)
            age = 12.0 if minor else 30.0
            faces = [{"age": age, "age_band": "0-12" if minor else "25-39", "gender": gender}] if person else []
            row.update(status="ok", sha256=hashlib.sha256(data).hexdigest(), pdq="0" * 64, pdq_quality=100,
                       width=pil.width, height=pil.height, person_present=person, person_score=1.0 * person,
                       people_count=int(person), n_faces=len(faces), n_female=int(person and gender == "female"),
                       n_male=int(person and gender == "male"), faces=json.dumps(faces),
                       age_bands=",".join(str(f["age_band"]) for f in faces), min_age=age if person else None,
                       subject_gender=gender if person else "unknown", real_person=person,
                       real_person_score=1.0 * person, photo_realism=1.0, exposure_level=level,
                       exposure_rank=EXPOSURE_LEVELS.index(level), revealing_score=1.0 * (level == "revealing"),
                       nudity_score=0.0, explicit_score=0.0, minimal_attire=level == "revealing",
                       apparent_minor=minor, apparent_minor_score=1.0 * minor, p_under_25=1.0 * minor,
                       analyzer="fake-1")
            if it.original:
                row.update(original_status="ok", original_level="covered",
                           attire_gained=int(level == "revealing"), attire_delta=0.25 * (level == "revealing"),
                           exposure_increase=1.0 * (level == "revealing"),
                           exposure_increased=level == "revealing", delta_mode="person")
            if it.prompt:
                row.update(has_prompt=True, prompt_language="en", text_status="text analyser unavailable",
                           text_signals="{}")
            rows.append(redact(row))
        return rows

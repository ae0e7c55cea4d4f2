"""The per-image row: its columns and types, labels derived from scores, and the withheld rule.

Rows are plain ``dict[str, object]`` on the wire (between worker processes, Ray
actors and the writer) and typed by :data:`COLUMNS` when written to Parquet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "AGE_BANDS",
    "COLUMNS",
    "EXPOSURE_LEVELS",
    "WITHHELD",
    "Thresholds",
    "age_band",
    "error_row",
    "is_withheld",
    "redact",
]

EXPOSURE_LEVELS: tuple[str, ...] = ("none", "covered", "revealing", "partial_nudity", "explicit")
AGE_BANDS: tuple[tuple[str, float], ...] = (("0-12", 13), ("13-17", 18), ("18-24", 25), ("25-39", 40),
                                            ("40-59", 60), ("60+", 1000))
WITHHELD = "[withheld]"

#: column → pyarrow type name (``string``, ``bool``, ``int64``, ``float64``); metadata columns are added as strings.
COLUMNS: dict[str, str] = {
    "id": "string",
    "location": "string",
    "original": "string",
    "status": "string",  # ok | error
    "error": "string",
    "sha256": "string",
    "pdq": "string",
    "pdq_quality": "int64",
    "width": "int64",
    "height": "int64",
    "person_present": "bool",
    "person_score": "float64",
    "people_count": "int64",
    "n_faces": "int64",
    "n_female": "int64",
    "n_male": "int64",
    "faces": "string",  # JSON list: age, age_sigma, age_band, gender, gender_confidence, p_under_18, p_under_25
    "age_bands": "string",  # comma-separated bands of the faces
    "min_age": "float64",
    "subject_gender": "string",  # gender of the most exposed person(s) with a face: female|male|mixed|unknown
    "real_person": "bool",
    "real_person_score": "float64",
    "photo_realism": "float64",
    "exposure_level": "string",
    "exposure_rank": "int64",
    "revealing_score": "float64",
    "nudity_score": "float64",
    "explicit_score": "float64",
    "minimal_attire": "bool",
    "apparent_minor": "bool",
    "apparent_minor_score": "float64",
    "p_under_25": "float64",
    "withheld": "bool",
    "has_original": "bool",
    "original_status": "string",
    "original_sha256": "string",
    "original_level": "string",
    "attire_gained": "int64",
    "attire_delta": "float64",
    "exposure_increase": "float64",
    "exposure_increased": "bool",
    "delta_mode": "string",
    "has_prompt": "bool",
    "prompt_language": "string",
    "text_status": "string",
    "text_signals": "string",  # JSON {signal name: score}
    "analyzer": "string",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Thresholds:
    """Operating points that turn scores into the labels counted in the shares."""

    person_present: float = 0.5
    real_person: float = 0.5
    apparent_minor: float = 0.5
    minimal_attire_level: str = "revealing"

    @classmethod
    def from_policy(cls) -> Thresholds:
        """The default policy's operating thresholds (0.5 when the policy package is unavailable)."""
        try:
            from garde.policy import operating_thresholds

            t = operating_thresholds()
        except Exception:
            t = {}
        return cls(person_present=float(t.get("person_present", 0.5)),
                   real_person=float(t.get("real_person", 0.5)),
                   apparent_minor=float(t.get("apparent_minor", 0.5)))

    def to_dict(self) -> dict[str, Any]:
        return {"person_present": self.person_present, "real_person": self.real_person,
                "apparent_minor": self.apparent_minor, "minimal_attire_level": self.minimal_attire_level}


def age_band(age: float) -> str:
    for name, upper in AGE_BANDS:
        if age < upper:
            return name
    return AGE_BANDS[-1][0]


def empty_row(item_id: str, location: str, original: str | None, meta: Mapping[str, str]) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(COLUMNS)
    row.update(id=item_id, location=location, original=original, has_original=original is not None,
               has_prompt=False, withheld=False)
    for k, v in meta.items():
        row[f"meta_{k}"] = v
    return row


def error_row(item_id: str, location: str, original: str | None, meta: Mapping[str, str], message: str,
              analyzer: str = "") -> dict[str, Any]:
    row = empty_row(item_id, location, original, meta)
    row.update(status="error", error=message, analyzer=analyzer)
    return row


def is_withheld(row: Mapping[str, Any]) -> bool:
    """An apparent minor with exposure above ``covered``: never shown, copied or thumbnailed."""
    rank = row.get("exposure_rank")
    return bool(row.get("apparent_minor")) and rank is not None and int(rank) > EXPOSURE_LEVELS.index("covered")


def redact(row: dict[str, Any]) -> dict[str, Any]:
    """Blank every field that could lead to the picture (location, original, prompt) of a withheld row."""
    if is_withheld(row):
        row["withheld"] = True
        for k in ("location", "original"):
            if row.get(k) is not None:
                row[k] = WITHHELD
    return row

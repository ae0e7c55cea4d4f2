"""Seed requests: hand-written sexualising and benign edit requests in 17 languages.

Each line of ``seeds/<lang>.jsonl`` is one labelled request::

    {"id": "fr-s01", "lang": "fr", "label": "sexual", "text": "...",
     "attire": "bikini", "concept": "bikini", "who": "adult"}

``label`` is ``sexual`` (sexualises an adult), ``minor`` (sexualises a minor) or
``benign``. ``attire`` is the substring naming revealing attire (what the attire
operators swap), ``concept`` the phrase-table meaning (what translation renders
in another language) and ``who`` whether the person is an adult or a minor.
The seeds were written separately from the classifier's training data in
``data/prompts`` and a test checks they do not overlap.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Literal, cast

from garde.errors import InputError

__all__ = ["LABELS", "Label", "Seed", "load_seeds", "seed_languages"]

Label = Literal["sexual", "minor", "benign"]
LABELS: tuple[Label, ...] = ("sexual", "minor", "benign")


@dataclass(frozen=True, slots=True, kw_only=True)
class Seed:
    """One labelled request before any mutation."""

    id: str
    lang: str
    label: Label
    text: str
    attire: str | None = None
    concept: str | None = None
    who: str | None = None

    def __post_init__(self) -> None:
        if self.label not in LABELS:
            raise InputError(f"seed {self.id!r}: unknown label {self.label!r}; expected one of {', '.join(LABELS)}")
        if not self.text.strip():
            raise InputError(f"seed {self.id!r} has an empty text")
        if self.attire is not None and self.attire not in self.text:
            raise InputError(f"seed {self.id!r}: attire {self.attire!r} does not occur in its text")

    @property
    def sexualising(self) -> bool:
        return self.label != "benign"


def _parse(line: str, where: str) -> Seed:
    try:
        raw = json.loads(line)
    except ValueError as e:
        raise InputError(f"{where}: not JSON ({e})") from None
    if not isinstance(raw, dict):
        raise InputError(f"{where}: expected an object")
    try:
        return Seed(id=str(raw["id"]), lang=str(raw["lang"]), label=cast(Label, raw["label"]), text=str(raw["text"]),
                    attire=raw.get("attire"), concept=raw.get("concept"), who=raw.get("who"))
    except KeyError as e:
        raise InputError(f"{where}: missing field {e.args[0]!r}") from None


@functools.cache
def load_seeds() -> tuple[Seed, ...]:
    """Every packaged seed, sorted by file then line; ids are unique."""
    out: list[Seed] = []
    root = resources.files("garde.redteam").joinpath("seeds")
    for entry in sorted(root.iterdir(), key=lambda p: p.name):
        if not entry.name.endswith(".jsonl"):
            continue
        for n, line in enumerate(entry.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                out.append(_parse(line, f"seeds/{entry.name}:{n}"))
    ids = [s.id for s in out]
    if len(set(ids)) != len(ids):
        dup = sorted({i for i in ids if ids.count(i) > 1})
        raise InputError(f"duplicate seed ids: {', '.join(dup)}")
    return tuple(out)


def seed_languages() -> tuple[str, ...]:
    return tuple(sorted({s.lang for s in load_seeds()}))

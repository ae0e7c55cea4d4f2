"""The policy a guard applies: a base pack plus the jurisdiction packs that apply to a request.

Which packs apply to an actor:

1. the **base pack** the operator chose (``default`` unless configured; it
   extends the floor, so the floor always applies);
2. the most specific jurisdiction pack for the actor's country: the
   subdivision's (``US-CA``), else the country's (``FR``), else a region's that
   lists the country in ``applies_to`` (``EU`` for Belgium);
3. any jurisdiction the operator configures for every request
   (``GARDE_JURISDICTIONS=EU,UK``: for example where the provider is established).

The strictest action across them wins. The digest in a decision is the sha256
of the canonical JSON of exactly the resolved packs that were applied.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import pycountry
import yaml

from garde.errors import UnknownJurisdiction
from garde.model import Action, Actor, AnalyzerFailure, Signal, Stage
from garde.policy.engine import EvalResult, evaluate
from garde.policy.loader import PolicyLibrary, canonical_digest, load_library
from garde.policy.schema import ResolvedPack

__all__ = ["POLICY_ID", "Policy", "Resolution", "normalize_country"]

POLICY_ID = "garde"
_ALIASES = {"UK": "GB", "EL": "GR"}


def normalize_country(code: str) -> str:
    """Validate an ISO 3166 code (``FR``, ``US-CA``; ``UK`` is taken for ``GB``); ``ZZ`` means unknown."""
    raw = code.strip().upper()
    head, _, sub = raw.partition("-")
    head = _ALIASES.get(head, head)
    if head == "ZZ" and not sub:
        return "ZZ"
    if len(head) != 2 or pycountry.countries.get(alpha_2=head) is None:
        raise UnknownJurisdiction(f"unknown country code {code!r}: expected ISO 3166-1 alpha-2 like 'FR' or 'US-CA'")
    if sub:
        full = f"{head}-{sub}"
        if pycountry.subdivisions.get(code=full) is None:  # type: ignore[no-untyped-call]
            raise UnknownJurisdiction(f"unknown subdivision code {code!r}: expected ISO 3166-2 like 'US-CA'")
        return full
    return head


@dataclass(frozen=True, slots=True, kw_only=True)
class Resolution:
    packs: tuple[ResolvedPack, ...]
    digest: str

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.packs)

    @property
    def jurisdictions(self) -> tuple[str, ...]:
        return tuple(p.jurisdiction for p in self.packs if p.jurisdiction)


@functools.cache
def _messages() -> dict[str, dict[str, str]]:
    text = (resources.files("garde.policy") / "messages.yaml").read_text(encoding="utf-8")
    data: dict[str, dict[str, str]] = yaml.safe_load(text)
    return data


class Policy:
    """Packs + configuration. Thread-safe and immutable once built."""

    def __init__(
        self,
        library: PolicyLibrary | None = None,
        base: str | None = None,
        extra_jurisdictions: Sequence[str] | None = None,
    ) -> None:
        self.library = library or load_library()
        self.base = self.library.get(base or os.environ.get("GARDE_POLICY_BASE", "default"))
        env_extra = os.environ.get("GARDE_JURISDICTIONS", "")
        extras = list(extra_jurisdictions) if extra_jurisdictions is not None else [
            x for x in env_extra.split(",") if x.strip()
        ]
        self._by_code = self.library.by_jurisdiction()
        self._digests: dict[tuple[str, ...], str] = {}
        self.extra: tuple[ResolvedPack, ...] = tuple(self._pack_for_extra(x) for x in extras)

    def _pack_for_extra(self, name: str) -> ResolvedPack:
        """An operator-configured jurisdiction: a pack id (``eu``) or a country code (``UK``, ``US-CA``)."""
        if name.strip().lower() in self.library.ids:
            return self.library.get(name.strip().lower())
        pack = self._pack_for_code(name, strict=True)
        assert pack is not None
        return pack

    def _pack_for_code(self, code: str, strict: bool = False) -> ResolvedPack | None:
        by_code = self._by_code
        c = code.strip().upper()
        if c in by_code:
            return by_code[c]
        norm = normalize_country(c)
        for cand in (norm, norm.split("-")[0]):
            if cand in by_code:
                return by_code[cand]
        if strict:
            raise UnknownJurisdiction(f"no jurisdiction pack for {code!r}; packs cover "
                                      f"{', '.join(sorted(by_code))}")
        return None

    def resolve(self, actor: Actor) -> Resolution:
        country = normalize_country(actor.country)
        packs: list[ResolvedPack] = [self.base]
        if country != "ZZ":
            p = self._pack_for_code(country)
            if p is not None:
                packs.append(p)
        for p in self.extra:
            packs.append(p)
        uniq = tuple({p.id: p for p in packs}.values())
        key = tuple(p.id for p in uniq)
        digest = self._digests.get(key)
        if digest is None:  # a handful of pack combinations: compute each digest once
            digest = canonical_digest({"policy": POLICY_ID, "packs": [p.digest for p in uniq]})
            self._digests[key] = digest
        return Resolution(packs=uniq, digest=digest)

    def thresholds(self) -> dict[str, float]:
        return dict(self.base.thresholds)

    def evaluate(
        self,
        resolution: Resolution,
        signals: Sequence[Signal],
        stage: Stage,
        failures: Sequence[AnalyzerFailure] = (),
        has_images: bool = False,
    ) -> EvalResult:
        return evaluate(resolution.packs, signals, stage, failures, has_images)

    # -- messages ------------------------------------------------------------

    @staticmethod
    def message(action: Action, category: str | None, lang: str) -> tuple[str, str]:
        """The user-facing message for an action, in ``lang`` if we have it, else English."""
        msgs = _messages()
        key = {
            Action.ALLOW: "allow",
            Action.LABEL: "label",
            Action.REVIEW: "review",
        }.get(action)
        if key is None:
            if category == "analyzer_failure":
                key = "error"
            elif category and category.startswith("minor"):
                key = "block_minor"
            elif category and category.startswith("hash"):
                key = "block_hash"
            else:
                key = "block_real_person"
        table = msgs[key]
        base = lang.split("-")[0].lower() if lang else "en"
        if base in table:
            return table[base], base
        return table["en"], "en"

    @staticmethod
    def languages() -> list[str]:
        return sorted(_messages()["allow"])

    def describe(self) -> dict[str, Any]:
        return {
            "policy_id": POLICY_ID,
            "base": self.base.id,
            "extra": [p.id for p in self.extra],
            "packs": {p.id: {"title": p.title, "version": p.version, "digest": p.digest,
                             "applies_to": list(p.applies_to), "chain": list(p.chain)}
                      for p in self.library.packs()},
        }

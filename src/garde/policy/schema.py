"""The pydantic schema of a policy pack file (the edge), and the frozen values the engine uses.

A pack file looks like this (see ``packs/floor.yaml`` for the real one)::

    pack: fr
    title: France
    extends: eu
    jurisdiction: FR
    version: "2026.11"
    not_legal_advice: "NOT LEGAL ADVICE. ..."
    thresholds: {sexual_intent: 0.5}        # may only be lowered by a child
    on_error: {images: block, text_only: block}
    rules:
      - id: fr.real_person.revealing
        category: real_person_revealing_attire
        stage: request                     # request | output | any
        action: block
        when: {all: [{signal: revealing_attire}, {signal: real_person}]}
        reason: "..."
        legal_sources: ["CP 226-8-1 (F1)"]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from garde.model import Action

__all__ = [
    "Condition",
    "PackFile",
    "ResolvedPack",
    "Rule",
    "RuleFile",
]

_ACTIONS = {a.label for a in Action}


def _action(v: Any) -> str:
    if not isinstance(v, str) or v.strip().lower() not in _ACTIONS:
        raise ValueError(f"unknown action {v!r}; expected one of {', '.join(sorted(_ACTIONS))}")
    return v.strip().lower()


class ConditionFile(BaseModel):
    """One node of a rule's ``when``: exactly one of signal / all / any / not."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    signal: str | None = None
    min: float | None = Field(default=None, ge=0.0, le=1.0)
    where: dict[str, str | int | float | bool] | None = None
    all: list[ConditionFile] | None = None
    any: list[ConditionFile] | None = None
    not_: ConditionFile | None = Field(default=None, alias="not")

    @model_validator(mode="after")
    def _one_kind(self) -> ConditionFile:
        kinds = [k for k in ("signal", "all", "any", "not_") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError(f"a condition needs exactly one of signal/all/any/not, got {kinds or 'none'}")
        if self.signal is None and (self.min is not None or self.where is not None):
            raise ValueError("'min' and 'where' belong to a 'signal' condition")
        if (self.all is not None and not self.all) or (self.any is not None and not self.any):
            raise ValueError("'all' and 'any' need at least one condition")
        return self


class RuleFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")
    category: str | None = None
    stage: Literal["request", "output", "any"] | None = None
    action: str | None = None
    when: ConditionFile | None = None
    reason: str | None = None
    legal_sources: list[str] = Field(default_factory=list)
    source_ids: list[str] = Field(default_factory=list)
    status: Literal["in_force", "pending", "proposed", "policy"] | None = None
    confidence: Literal["high", "medium", "low"] | None = None
    report_to: list[str] = Field(default_factory=list)
    removal_deadline_hours: float | None = Field(default=None, gt=0)
    preservation_days: int | None = Field(default=None, gt=0)
    strike_weight: int | None = Field(default=None, ge=0)
    suspend: Literal["none", "temporary", "permanent"] | None = None
    note: str | None = None

    @field_validator("action")
    @classmethod
    def _check_action(cls, v: str | None) -> str | None:
        return None if v is None else _action(v)


class OnErrorFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    images: str | None = None
    text_only: str | None = None

    @field_validator("images", "text_only")
    @classmethod
    def _check(cls, v: str | None) -> str | None:
        return None if v is None else _action(v)


class EnforcementFile(BaseModel):
    """Strike thresholds (used by enforcement; inherited, only tightened)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    suspend_after_strikes: int | None = Field(default=None, gt=0)
    window_days: int | None = Field(default=None, gt=0)
    suspension_days: int | None = Field(default=None, gt=0)


class PackFile(BaseModel):
    """One YAML pack file, as written."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pack: str = Field(pattern=r"^[a-z0-9_-]+$")
    title: str
    version: str
    not_legal_advice: str = Field(min_length=10)
    extends: str | None = None
    jurisdiction: str | None = None
    applies_to: list[str] = Field(default_factory=list)
    as_of: str | None = None
    languages: list[str] = Field(default_factory=list)
    thresholds: dict[str, float] = Field(default_factory=dict)
    on_error: OnErrorFile | None = None
    enforcement: EnforcementFile | None = None
    rules: list[RuleFile] = Field(default_factory=list)
    remove: list[str] = Field(default_factory=list)

    @field_validator("thresholds")
    @classmethod
    def _thresholds(cls, v: dict[str, float]) -> dict[str, float]:
        for k, t in v.items():
            if not 0.0 <= t <= 1.0:
                raise ValueError(f"threshold {k!r}={t!r} is outside [0, 1]")
        return v


# ---------------------------------------------------------------- frozen values


@dataclass(frozen=True, slots=True, kw_only=True)
class Condition:
    """A resolved condition. ``kind`` is 'signal', 'all', 'any' or 'not'."""

    kind: str
    signal: str | None = None
    min: float | None = None  # None: use the pack's threshold for the signal
    where: tuple[tuple[str, Any], ...] = ()
    children: tuple[Condition, ...] = ()

    def signal_names(self) -> set[str]:
        if self.kind == "signal":
            return {self.signal or ""}
        out: set[str] = set()
        for c in self.children:
            out |= c.signal_names()
        return out

    def to_json(self) -> dict[str, Any]:
        if self.kind == "signal":
            d: dict[str, Any] = {"signal": self.signal}
            if self.min is not None:
                d["min"] = self.min
            if self.where:
                d["where"] = dict(self.where)
            return d
        if self.kind == "not":
            return {"not": self.children[0].to_json()}
        return {self.kind: [c.to_json() for c in self.children]}

    @classmethod
    def from_file(cls, c: ConditionFile) -> Condition:
        if c.signal is not None:
            return cls(kind="signal", signal=c.signal, min=c.min,
                       where=tuple(sorted((c.where or {}).items())))
        if c.all is not None:
            return cls(kind="all", children=tuple(cls.from_file(x) for x in c.all))
        if c.any is not None:
            return cls(kind="any", children=tuple(cls.from_file(x) for x in c.any))
        assert c.not_ is not None
        return cls(kind="not", children=(cls.from_file(c.not_),))


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    id: str
    pack: str  # the pack that defined it
    category: str
    stage: str
    action: Action
    when: Condition
    reason: str
    legal_sources: tuple[str, ...] = ()
    source_ids: tuple[str, ...] = ()
    status: str = "policy"
    confidence: str | None = None
    report_to: tuple[str, ...] = ()
    removal_deadline_hours: float | None = None
    preservation_days: int | None = None
    strike_weight: int = 0
    suspend: str = "none"
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "pack": self.pack, "category": self.category, "stage": self.stage,
            "action": self.action.label, "when": self.when.to_json(), "reason": self.reason,
            "legal_sources": list(self.legal_sources), "source_ids": list(self.source_ids),
            "status": self.status, "confidence": self.confidence, "report_to": list(self.report_to),
            "removal_deadline_hours": self.removal_deadline_hours,
            "preservation_days": self.preservation_days, "strike_weight": self.strike_weight,
            "suspend": self.suspend, "note": self.note,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class ResolvedPack:
    """A pack with its ``extends`` chain folded in: everything the engine needs."""

    id: str
    title: str
    version: str
    disclaimer: str
    chain: tuple[str, ...]  # from this pack up to the floor
    jurisdiction: str | None
    applies_to: tuple[str, ...]
    languages: tuple[str, ...]
    thresholds: Mapping[str, float]
    on_error_images: Action
    on_error_text_only: Action
    suspend_after_strikes: int
    window_days: int
    suspension_days: int
    rules: tuple[Rule, ...]
    digest: str = field(default="")

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "title": self.title, "version": self.version, "chain": list(self.chain),
            "jurisdiction": self.jurisdiction, "applies_to": list(self.applies_to),
            "languages": list(self.languages),
            "thresholds": dict(sorted(self.thresholds.items())),
            "on_error": {"images": self.on_error_images.label, "text_only": self.on_error_text_only.label},
            "enforcement": {"suspend_after_strikes": self.suspend_after_strikes,
                            "window_days": self.window_days, "suspension_days": self.suspension_days},
            "rules": [r.to_json() for r in self.rules],
            "disclaimer": self.disclaimer,
        }

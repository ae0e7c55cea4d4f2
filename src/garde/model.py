"""The vocabulary of garde: frozen, slotted, keyword-only values.

Analysers turn a :class:`Request` (and, for outputs, an :class:`Image`) into
:class:`Signal` values; the policy engine turns signals into :class:`RuleHit`
values and one :class:`Decision`. Nothing here decides anything.
"""

from __future__ import annotations

import enum
import hashlib
import os
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from garde.errors import ImageError, InputError

__all__ = [
    "Action",
    "Actor",
    "AnalyzerFailure",
    "Decision",
    "Image",
    "Request",
    "RuleHit",
    "Signal",
    "Stage",
    "read_image_file",
]

JSON = Any


class Action(enum.IntEnum):
    """What the guard does, ordered from the most to the least permissive.

    ``Action.BLOCK > Action.REVIEW`` holds, so ``max(actions)`` is the strictest.
    """

    ALLOW = 0
    LABEL = 1
    REVIEW = 2
    BLOCK = 3
    BLOCK_AND_REPORT = 4

    @property
    def label(self) -> str:
        """The lower-case name used in JSON, YAML and on the command line."""
        return self.name.lower()

    @property
    def proceeds(self) -> bool:
        """True when the generator may run (allow or label)."""
        return self <= Action.LABEL

    @classmethod
    def parse(cls, value: str | int | Action) -> Action:
        if isinstance(value, Action):
            return value
        if isinstance(value, int):
            return cls(value)
        try:
            return cls[value.strip().upper()]
        except KeyError:
            names = ", ".join(a.label for a in cls)
            raise InputError(f"unknown action {value!r}; expected one of {names}") from None

    def __str__(self) -> str:
        return self.label


class Stage(enum.StrEnum):
    """Where in the flow a check happens."""

    REQUEST = "request"
    OUTPUT = "output"


_COUNTRY_RE = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Actor:
    """Who asks: a platform's user id, their subscription tier and where they are.

    ``country`` is an ISO 3166-1 alpha-2 code, optionally with an ISO 3166-2
    subdivision (``"FR"``, ``"US-CA"``). The tier is recorded in every decision
    and never relaxes a rule.
    """

    user_id: str
    country: str = "ZZ"
    tier: str = "free"

    def __post_init__(self) -> None:
        c = self.country.strip().upper()
        if not _COUNTRY_RE.match(c):
            raise InputError(
                f"unknown country code {self.country!r}: expected ISO 3166 like 'FR' or 'US-CA'"
            )
        object.__setattr__(self, "country", c)
        if not self.user_id:
            raise InputError("actor user id is empty")

    @property
    def country_code(self) -> str:
        """The two-letter country part (``"US"`` for ``"US-CA"``)."""
        return self.country.split("-", 1)[0]

    @property
    def subdivision(self) -> str | None:
        """The full subdivision code (``"US-CA"``) or None."""
        return self.country if "-" in self.country else None


@dataclass(frozen=True, slots=True, kw_only=True)
class Image:
    """Image bytes with their sha256. The bytes never appear in repr or logs."""

    data: bytes = field(repr=False)
    name: str = ""
    sha256: str = field(init=False)

    def __post_init__(self) -> None:
        if not isinstance(self.data, bytes | bytearray | memoryview):
            raise InputError(f"image {self.name or '<unnamed>'} must be bytes, got {type(self.data).__name__}")
        object.__setattr__(self, "data", bytes(self.data))
        object.__setattr__(self, "sha256", hashlib.sha256(self.data).hexdigest())

    @property
    def size(self) -> int:
        return len(self.data)

    @classmethod
    def from_path(cls, path: str | os.PathLike[str], max_bytes: int | None = None) -> Image:
        """Read an image file (errors name the file); ``name`` is the path as given."""
        return cls(data=read_image_file(path, max_bytes), name=os.fspath(path))

    def __repr__(self) -> str:
        return f"Image(name={self.name!r}, sha256={self.sha256[:16]}…, size={self.size})"


def read_image_file(path: str | os.PathLike[str], max_bytes: int | None = None) -> bytes:
    """Read an image file's bytes; every failure is an ImageError naming the file (never a traceback)."""
    name = os.fspath(path)
    try:
        if max_bytes is not None:
            size = os.stat(name).st_size
            if size > max_bytes:
                raise ImageError(f"image {name!r} is {size} bytes, over the limit of {max_bytes} bytes")
        with open(name, "rb") as f:
            return f.read()
    except FileNotFoundError:
        raise ImageError(f"image {name!r} does not exist") from None
    except IsADirectoryError:
        raise ImageError(f"image {name!r} is a directory, not a file") from None
    except OSError as e:
        raise ImageError(f"image {name!r} cannot be read: {e.strerror or e}") from None


def _new_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True, slots=True, kw_only=True)
class Request:
    """One generation or edit request: a prompt, input images and who asks.

    ``history`` holds the earlier turns of the same conversation, oldest first,
    so that a request split in two steps ("now remove it") can be read whole.
    """

    prompt: str
    actor: Actor
    images: tuple[Image, ...] = ()
    surface: str = "api"
    history: tuple[str, ...] = ()
    request_id: str = field(default_factory=_new_id)

    def __post_init__(self) -> None:
        if not isinstance(self.prompt, str):
            raise InputError(f"prompt must be a string, got {type(self.prompt).__name__}")
        object.__setattr__(self, "images", tuple(self.images))
        object.__setattr__(self, "history", tuple(self.history))


@dataclass(frozen=True, slots=True, kw_only=True)
class Signal:
    """A fact an analyser reports: a named score in [0, 1], never a verdict.

    ``subject`` says what the signal is about (``"prompt"``, ``"image:0"``,
    ``"image:0/face:1"``, ``"output"``); ``evidence`` holds JSON-able details
    for explanations (the attire named, the bank kind, a box) and never bytes.
    """

    name: str
    score: float
    source: str
    subject: str = "request"
    evidence: Mapping[str, JSON] = field(default_factory=dict)

    def __post_init__(self) -> None:
        s = float(self.score)
        if not 0.0 <= s <= 1.0 or s != s:
            raise ValueError(f"signal {self.name!r} score {self.score!r} is outside [0, 1]")
        object.__setattr__(self, "score", s)
        object.__setattr__(self, "evidence", dict(self.evidence))

    def to_dict(self) -> dict[str, JSON]:
        return {
            "name": self.name,
            "score": round(self.score, 6),
            "source": self.source,
            "subject": self.subject,
            "evidence": dict(self.evidence),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class AnalyzerFailure:
    """An analyser that raised, timed out or lacks its model. Never an allow."""

    analyzer: str
    kind: str  # "exception" | "timeout" | "missing_model" | "input"
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"analyzer": self.analyzer, "kind": self.kind, "message": self.message}


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleHit:
    """A policy rule that fired, with why and what the law attached to it."""

    rule_id: str
    pack: str
    action: Action
    category: str
    reason: str
    signals: Mapping[str, float] = field(default_factory=dict)
    legal_sources: tuple[str, ...] = ()
    report_to: tuple[str, ...] = ()
    removal_deadline_hours: float | None = None
    preservation_days: int | None = None
    strike_weight: int = 0

    def to_dict(self) -> dict[str, JSON]:
        return {
            "rule_id": self.rule_id,
            "pack": self.pack,
            "action": self.action.label,
            "category": self.category,
            "reason": self.reason,
            "signals": {k: round(v, 6) for k, v in self.signals.items()},
            "legal_sources": list(self.legal_sources),
            "report_to": list(self.report_to),
            "removal_deadline_hours": self.removal_deadline_hours,
            "preservation_days": self.preservation_days,
            "strike_weight": self.strike_weight,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Decision:
    """The guard's answer, with everything needed to explain and replay it."""

    action: Action
    stage: Stage
    request_id: str
    actor: Actor
    hits: tuple[RuleHit, ...] = ()
    signals: tuple[Signal, ...] = ()
    policy_id: str = ""
    policy_digest: str = ""
    jurisdictions: tuple[str, ...] = ()
    analyzer_versions: Mapping[str, str] = field(default_factory=dict)
    analyzer_errors: tuple[AnalyzerFailure, ...] = ()
    message: str = ""
    message_lang: str = "en"
    image_sha256: tuple[str, ...] = ()
    parent_decision_id: str | None = None
    decision_id: str = field(default_factory=_new_id)
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def allowed(self) -> bool:
        return self.action.proceeds

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(h.rule_id for h in self.hits)

    def to_dict(self) -> dict[str, JSON]:
        """The JSON shape of a decision (``garde check --json``, the HTTP API)."""
        return {
            "decision_id": self.decision_id,
            "request_id": self.request_id,
            "parent_decision_id": self.parent_decision_id,
            "stage": self.stage.value,
            "action": self.action.label,
            "allowed": self.allowed,
            "rules": [h.rule_id for h in self.hits],
            "hits": [h.to_dict() for h in self.hits],
            "reasons": [h.reason for h in self.hits],
            "message": self.message,
            "message_lang": self.message_lang,
            "actor": {"id": self.actor.user_id, "country": self.actor.country, "tier": self.actor.tier},
            "jurisdictions": list(self.jurisdictions),
            "policy_id": self.policy_id,
            "policy_digest": self.policy_digest,
            "analyzer_versions": dict(self.analyzer_versions),
            "analyzer_errors": [e.to_dict() for e in self.analyzer_errors],
            "signals": [s.to_dict() for s in self.signals],
            "image_sha256": list(self.image_sha256),
            "created_at": self.created_at.isoformat(),
        }

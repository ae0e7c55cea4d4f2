"""Helpers shared by the service tests (imported by conftest, which puts this folder on sys.path)."""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

from garde.analyzers import AnalysisContext
from garde.guard import Guard
from garde.model import Signal, Stage
from garde.policy import Policy
from garde.store import Database, SqlDecisionLog

PASSWORD = "correct horse battery"


@dataclass(slots=True, kw_only=True)
class KeywordFake:
    """A deterministic fake analyser: words in the prompt become signals; any image is a 'real person'.

    ``bikini`` → sexual_intent, ``child`` → minor_reference, ``boom`` → raises (an analyser failure),
    ``strip`` at the output stage → exposure_increase and attire_delta.
    """

    name: str = "keywords"
    version: str = "k1"
    stages: frozenset[Stage] = frozenset({Stage.REQUEST, Stage.OUTPUT})
    calls: int = 0
    seen: list[str] = field(default_factory=list)

    def analyze(self, ctx: AnalysisContext) -> Sequence[Signal]:
        self.calls += 1
        p = ctx.request.prompt.lower()
        self.seen.append(ctx.stage.value)
        if "boom" in p:
            raise RuntimeError("analyser exploded")
        src = f"{self.name}@{self.version}"
        out: list[Signal] = []
        if "bikini" in p:
            out.append(Signal(name="sexual_intent", score=0.95, source=src, subject="prompt",
                              evidence={"attire": ["bikini"]}))
        if "child" in p:
            out.append(Signal(name="minor_reference", score=0.9, source=src, subject="prompt"))
        if ctx.images:
            out.append(Signal(name="real_person", score=0.9, source=src, subject="image:0"))
        if ctx.stage is Stage.OUTPUT and "strip" in p:
            out.append(Signal(name="exposure_increase", score=0.9, source=src, subject="output"))
            out.append(Signal(name="attire_delta", score=0.5, source=src, subject="output"))
        return out


def png_bytes(w: int = 64, h: int = 48, color: tuple[int, int, int] = (200, 120, 40)) -> bytes:
    """A synthetic drawn PNG: a coloured canvas with a simple figure drawn on it (no photo, no person)."""
    from PIL import Image, ImageDraw

    im = Image.new("RGB", (w, h), color)
    d = ImageDraw.Draw(im)
    d.ellipse((w // 3, h // 8, 2 * w // 3, h // 2), fill=(250, 220, 180), outline=(0, 0, 0))
    d.rectangle((w // 3, h // 2, 2 * w // 3, h - 4), fill=(30, 60, 160))
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def make_guard(db: Database, *extra: object, timeout: float = 2.0) -> Guard:
    analyzers = [KeywordFake(), *extra]
    return Guard(analyzers=analyzers, policy=Policy(base="floor"), log=SqlDecisionLog(db),  # type: ignore[list-item]
                 timeout=timeout)

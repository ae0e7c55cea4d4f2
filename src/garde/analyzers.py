"""The one interface every analyser implements, and the context it reads.

An analyser reports facts as :class:`~garde.model.Signal` values. It never
decides: no threshold, no "block" inside an analyser. The guard runs analysers
concurrently with a timeout each; whatever one raises becomes an
:class:`~garde.model.AnalyzerFailure` that the policy's ``on_error`` handles.

A platform plugs in a stronger model (a vision-language safety model behind
an HTTP endpoint, a cloud API) by passing its own object with this shape to
:class:`~garde.guard.Guard`; the policy does not change.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from garde.model import Image, Request, Signal, Stage

__all__ = ["AnalysisContext", "Analyzer", "FakeAnalyzer", "images_only", "prepare"]

log = logging.getLogger("garde.analyzers")


@dataclass(slots=True, kw_only=True)
class AnalysisContext:
    """What an analyser sees for one check.

    ``request`` is always there. At the output stage ``output`` is the
    generated image and ``request.images`` are the originals it was made from.
    ``shared`` is a per-check cache so that an image is decoded and resized once
    and shared by all analysers (use :meth:`cached`).
    """

    request: Request
    stage: Stage
    output: Image | None = None
    shared: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _closers: list[Callable[[], None]] = field(default_factory=list, repr=False)

    def on_close(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` when the guard is done analysing this check (see :meth:`close`)."""
        with self._lock:
            self._closers.append(fn)

    def close(self) -> None:
        """Run the ``on_close`` callbacks once each (the guard calls this; a failing one is logged)."""
        with self._lock:
            todo, self._closers = self._closers, []
        for fn in todo:
            try:
                fn()
            except Exception:
                log.exception("an analysis context's close callback failed")

    def cached(self, key: str, compute: Callable[[], Any]) -> Any:
        """Return ``shared[key]``, computing it once even under concurrency."""
        with self._lock:
            if key in self.shared:
                return self.shared[key]
            lock = self.shared.setdefault(f"__lock__{key}", threading.Lock())
        with lock:
            if key not in self.shared:
                value = compute()
                with self._lock:
                    self.shared[key] = value
            return self.shared[key]

    @property
    def images(self) -> tuple[Image, ...]:
        """The images this check is about: the inputs, or the output."""
        if self.stage is Stage.OUTPUT and self.output is not None:
            return (self.output,)
        return self.request.images


@runtime_checkable
class Analyzer(Protocol):
    """Anything with a name, a version, the stages it serves and ``analyze``."""

    name: str
    version: str
    stages: frozenset[Stage]

    def analyze(self, ctx: AnalysisContext) -> Sequence[Signal]:
        """Report signals for this check. Raise to report a failure."""
        ...


def prepare(analyzer: object, ctx: AnalysisContext) -> None:
    """Call the analyser's optional ``prepare(ctx)``: the guard calls it as a check starts, before
    the pre-checks, on the caller's thread. It must be cheap; it may announce work to come (the text
    analyser reserves a place in the next sentence-encoder batch) and register cleanup with
    ``ctx.on_close``. It is a hint: a failure is logged and the check goes on."""
    fn = getattr(analyzer, "prepare", None)
    if fn is None:
        return
    try:
        fn(ctx)
    except Exception:
        log.exception("prepare() of analyser %s failed", getattr(analyzer, "name", "?"))


def images_only(analyzer: object) -> bool:
    """True when ``analyzer`` declares ``images_only = True``: it reports nothing on a check without
    images, so the guard need not schedule it then (optional attribute; default False)."""
    return bool(getattr(analyzer, "images_only", False))


@dataclass(slots=True, kw_only=True)
class FakeAnalyzer:
    """An in-memory analyser for tests: returns fixed signals, or fails on demand.

    ``fail`` may be an exception to raise; ``delay`` seconds are slept first
    (to exercise timeouts).
    """

    name: str = "fake"
    version: str = "0"
    stages: frozenset[Stage] = frozenset({Stage.REQUEST, Stage.OUTPUT})
    scores: dict[str, float] = field(default_factory=dict)
    evidence: dict[str, dict[str, Any]] = field(default_factory=dict)
    fail: BaseException | None = None
    delay: float = 0.0
    calls: int = 0

    def analyze(self, ctx: AnalysisContext) -> Sequence[Signal]:
        import time

        self.calls += 1
        if self.delay:
            time.sleep(self.delay)
        if self.fail is not None:
            raise self.fail
        source = f"{self.name}@{self.version}"
        return [
            Signal(name=n, score=s, source=source, evidence=self.evidence.get(n, {}))
            for n, s in self.scores.items()
        ]

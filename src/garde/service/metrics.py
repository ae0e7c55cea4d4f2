"""Prometheus metrics: decisions by action, latency per analyser and per endpoint, analyser errors.

Each app has its own registry. With several workers each process exposes its own
counters; scrape every worker, or set ``PROMETHEUS_MULTIPROC_DIR`` (see docs/service.md).
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client import multiprocess as prom_mp

from garde.analyzers import AnalysisContext, Analyzer, images_only, prepare
from garde.model import Decision, Signal, Stage

__all__ = ["Metrics", "TimedAnalyzer"]

_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.decisions = Counter("garde_decisions", "Decisions by stage and action.", ["stage", "action"], registry=r)
        self.analyzer_seconds = Histogram("garde_analyzer_seconds", "Time spent in each analyser.",
                                          ["analyzer", "stage"], buckets=_BUCKETS, registry=r)
        self.analyzer_errors = Counter("garde_analyzer_errors", "Analyser failures by kind.",
                                       ["analyzer", "kind"], registry=r)
        self.http_seconds = Histogram("garde_http_request_seconds", "HTTP request latency by route and status.",
                                      ["route", "method", "status"], buckets=_BUCKETS, registry=r)
        self.rejections = Counter("garde_http_rejections", "Requests refused before any check (by error code).",
                                  ["code"], registry=r)
        self.reveals = Counter("garde_console_reveals", "Images revealed in the console.", registry=r)
        self.ready = Gauge("garde_ready", "1 when the last readiness check passed.", registry=r)

    def observe_decision(self, d: Decision) -> None:
        self.decisions.labels(d.stage.value, d.action.label).inc()
        for e in d.analyzer_errors:
            self.analyzer_errors.labels(e.analyzer, e.kind).inc()

    def render(self) -> bytes:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            reg = CollectorRegistry()
            prom_mp.MultiProcessCollector(reg)  # type: ignore[no-untyped-call]
            return bytes(generate_latest(reg))
        return bytes(generate_latest(self.registry))


class TimedAnalyzer:
    """Wraps an analyser to time it; name, version and stages are the wrapped one's."""

    def __init__(self, inner: Analyzer, metrics: Metrics) -> None:
        self.inner = inner
        self.metrics = metrics
        self.name: str = inner.name
        self.version: str = inner.version
        self.stages: frozenset[Stage] = inner.stages
        self.images_only: bool = images_only(inner)

    def prepare(self, ctx: AnalysisContext) -> None:
        prepare(self.inner, ctx)

    def analyze(self, ctx: AnalysisContext) -> Sequence[Signal]:
        t0 = time.perf_counter()
        try:
            return self.inner.analyze(ctx)
        finally:
            self.metrics.analyzer_seconds.labels(self.inner.name, ctx.stage.value).observe(time.perf_counter() - t0)

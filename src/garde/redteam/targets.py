"""Targets: what the red team attacks.

* :class:`LocalTarget` is garde's own guard, in process (``--target local``).
* :class:`HttpTarget` is any HTTP guard or moderation endpoint, described by an
  :class:`AdapterSpec` (a YAML or JSON file) that says how to build the request
  body from ``{prompt}``, ``{history}`` and ``{country}`` and how to read the
  verdict (a JSON path and the values that mean *allowed*). Example::

      method: POST
      headers: {Content-Type: application/json}
      body: {prompt: "{prompt}", history: "{history}", actor: {user_id: redteam, country: "{country}"}}
      verdict: {path: allowed, allowed_values: [true], action_path: action}

A target answers every probe with a :class:`Verdict`; a transport or parsing
failure is a verdict with ``error`` set, which the report counts apart and
never as a block or an allow.
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import os
import re
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from garde.analyzers import AnalysisContext
from garde.errors import GardeError, InputError
from garde.model import Signal, Stage
from garde.redteam.mutators import Probe

__all__ = ["AdapterSpec", "HttpTarget", "LocalTarget", "Target", "Verdict", "VerdictSpec", "load_adapter"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Verdict:
    """What a target said about one probe."""

    allowed: bool | None
    action: str = ""
    rules: tuple[str, ...] = ()
    latency_ms: float = 0.0
    error: str | None = None
    failed_closed: bool = False  # the guard decided on an analyser failure, not on the request
    failures: tuple[str, ...] = ()  # "analyser:kind: message" for each analyser failure


class Target(Protocol):
    name: str

    def check(self, probe: Probe) -> Verdict: ...

    def check_batch(self, probes: Sequence[Probe]) -> list[Verdict]:
        """Answer several probes, in order (a target may send them concurrently)."""
        ...

    def close(self) -> None: ...


def _check_with(guard: Any, country: str, probe: Probe) -> Verdict:
    from garde.model import Actor, Request

    req = Request(prompt=probe.prompt, history=probe.history, surface="redteam",
                  actor=Actor(user_id="redteam", country=country))
    t0 = time.perf_counter()
    try:
        d = guard.check_request(req)
    except GardeError as e:
        return Verdict(allowed=None, error=e.message, latency_ms=(time.perf_counter() - t0) * 1e3)
    return Verdict(allowed=d.allowed, action=d.action.label, rules=d.rule_ids,
                   latency_ms=(time.perf_counter() - t0) * 1e3, failed_closed=bool(d.analyzer_errors),
                   failures=tuple(f"{e.analyzer}:{e.kind}: {e.message}"[:300] for e in d.analyzer_errors))


class _BatchPrimed:
    """Wraps a text analyser that can ``classify`` many texts at once, for the red team's batches.

    The guard still calls ``analyze`` for every request, and ``analyze`` is the
    wrapped analyser's own code, run with this object as ``self``: only its
    ``classify`` calls are served from a cache that :meth:`prime` filled with one
    batched call for the whole batch. A text the priming did not guess is
    classified on the spot, so the decisions are the analyser's own whatever
    texts it chooses to classify (batched encoding moves scores by ~1e-6).
    """

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self._cache: dict[tuple[str, bool], Any] = {}
        self._lock = threading.Lock()
        self.name: str = inner.name
        self.version: str = inner.version
        self.stages: frozenset[Stage] = inner.stages

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def classify(self, texts: Sequence[str], *, with_language: bool = True, ticket: Any = None) -> list[Any]:
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if (t, with_language) not in self._cache]
        if not missing and ticket is not None:
            ticket.cancel()  # served from the cache: no encoder call to announce
        if missing:
            extra = {"ticket": ticket} if ticket is not None else {}  # an analyser without tickets works too
            got = self._inner.classify(missing, with_language=with_language, **extra)
            with self._lock:
                self._cache.update({(t, with_language): r for t, r in zip(missing, got, strict=True)})
        with self._lock:
            return [self._cache[(t, with_language)] for t in texts]

    def prime(self, probes: Sequence[Probe]) -> None:
        texts: dict[str, None] = {}
        for p in probes:
            texts[p.prompt] = None
            history = [h for h in p.history if h and h.strip()]
            if history:
                texts[" ".join(history)] = None
                texts[" ".join([*history, p.prompt])] = None
        with self._lock:
            self._cache.clear()
        self.classify(list(texts), with_language=False)

    def analyze(self, ctx: AnalysisContext) -> Sequence[Signal]:
        out: Sequence[Signal] = type(self._inner).analyze(self, ctx)
        return out


def _batchable(a: Any) -> bool:
    return callable(getattr(a, "classify", None)) and callable(getattr(type(a), "analyze", None))


# One guard per worker process, built from the parent's analysers (inherited by fork).
_WORKER: dict[str, Any] = {}


def _worker_init(target: LocalTarget) -> None:
    from garde.guard import Guard
    from garde.store.log import InMemoryDecisionLog

    try:  # one BLAS thread per worker: the workers are the parallelism
        from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

        threadpool_limits(1)
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        pass
    g = target.guard
    analyzers = [_BatchPrimed(a._inner) if isinstance(a, _BatchPrimed) else a for a in g.analyzers]
    _WORKER["target"] = LocalTarget(Guard(analyzers=analyzers, policy=g.policy, log=InMemoryDecisionLog(),
                                          timeout=g.timeout), country=target.country, batch=False)


def _worker_check(probes: Sequence[Probe]) -> list[Verdict]:
    t: LocalTarget = _WORKER["target"]
    return t.check_batch(probes)


class LocalTarget:
    """garde's request guard in this process.

    With ``batch`` (the default) a text analyser that offers ``classify(texts)``
    classifies each batch of probes in one call before the guard checks them
    one by one (see :class:`_BatchPrimed`). With ``processes > 1`` a batch is
    spread over forked worker processes, each with its own guard sharing the
    parent's loaded analysers (copy-on-write): the analysers are CPU-bound, so
    threads would only queue on the GIL. The guards' decision logs stay in
    memory; ``attempts.jsonl`` is the record.
    """

    def __init__(self, guard: Any | None = None, *, country: str = "ZZ", policy_base: str | None = None,
                 processes: int = 1, batch: bool = True) -> None:
        from garde.guard import Guard
        from garde.policy import Policy
        from garde.store.log import InMemoryDecisionLog

        g: Guard = guard if guard is not None else Guard(
            policy=Policy(base=policy_base) if policy_base else None, log=InMemoryDecisionLog())
        if batch and any(_batchable(a) for a in g.analyzers):
            g = Guard(analyzers=[_BatchPrimed(a) if _batchable(a) else a for a in g.analyzers], policy=g.policy,
                      log=g.log, timeout=g.timeout, pre_checks=g.pre_checks)
        self.guard = g
        self._primed = [a for a in g.analyzers if isinstance(a, _BatchPrimed)]
        self.country = country
        self.processes = processes
        self._pool: Any = None
        self.name = f"local:{'+'.join(f'{k}@{v}' for k, v in sorted(self.guard.analyzer_versions.items()))}"

    def check(self, probe: Probe) -> Verdict:
        return _check_with(self.guard, self.country, probe)

    def check_batch(self, probes: Sequence[Probe]) -> list[Verdict]:
        if self.processes <= 1 or len(probes) < 2:
            for a in self._primed:
                a.prime(probes)
            return [self.check(p) for p in probes]
        if self._pool is None:
            import multiprocessing as mp

            ctx = mp.get_context("fork")
            self._pool = ctx.Pool(self.processes, initializer=_worker_init, initargs=(self,))
        n = -(-len(probes) // self.processes)
        chunks = [list(probes[i:i + n]) for i in range(0, len(probes), n)]
        return [v for part in self._pool.map(_worker_check, chunks, chunksize=1) for v in part]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None
        self.guard.close()


# ----------------------------------------------------------------- HTTP


class VerdictSpec(BaseModel):
    """Where the verdict is in the JSON answer."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str = Field(description="Dot path to the verdict, with [n] for list items: 'allowed', 'results[0].flagged'.")
    allowed_values: list[Any] = Field(min_length=1, description="Values at `path` that mean the request was allowed.")
    action_path: str | None = Field(default=None, description="Optional path to a label to record (e.g. 'action').")
    rules_path: str | None = Field(default=None, description="Optional path to a list of rule ids to record.")


class AdapterSpec(BaseModel):
    """How to talk to an HTTP guard: the request to build and how to read the verdict."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str | None = Field(default=None, description="Endpoint; `--target URL` takes precedence.")
    method: Literal["POST", "PUT", "GET"] = "POST"
    headers: dict[str, str] = Field(default_factory=dict,
                                    description="Header values may name environment variables as ${VAR}.")
    body: Any = Field(description="JSON template; strings may hold {prompt}, {country}, {history_text}; "
                                  "a string that is exactly \"{history}\" becomes the list of earlier turns.")
    verdict: VerdictSpec
    timeout_s: float = Field(default=10.0, gt=0)
    history_joiner: str = "\n"


def load_adapter(path: Path) -> AdapterSpec:
    """Read an adapter spec from a YAML or JSON file; errors name the file and the bad field."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise InputError(f"adapter spec {str(path)!r} cannot be read: {e.strerror}") from None
    try:
        raw = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as e:
        raise InputError(f"adapter spec {str(path)!r} is not valid {path.suffix.lstrip('.') or 'YAML'}: {e}") from None
    try:
        return AdapterSpec.model_validate(raw)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(x) for x in first["loc"]) or "(top)"
        raise InputError(f"adapter spec {str(path)!r}: {where}: {first['msg']}") from None


def render_body(template: Any, probe: Probe, country: str, joiner: str = "\n") -> Any:
    """Fill the body template for one probe (pure; tested on its own)."""
    subs = {"{prompt}": probe.prompt, "{country}": country, "{history_text}": joiner.join(probe.history)}

    def walk(node: Any) -> Any:
        if isinstance(node, str):
            if node == "{history}":
                return list(probe.history)
            out = node
            for k, v in subs.items():
                out = out.replace(k, v)
            return out
        if isinstance(node, Mapping):
            return {str(k): walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(template)


_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


class PathMissing(KeyError):
    pass


def read_path(doc: Any, path: str) -> Any:
    """Follow a dot path with [n] indexes ('results[0].flagged') through decoded JSON."""
    node = doc
    for m in _PATH_PART.finditer(path):
        key, idx = m.group(1), m.group(2)
        try:
            node = node[int(idx)] if idx is not None else node[key]
        except (KeyError, IndexError, TypeError):
            raise PathMissing(path) from None
    return node


def _matches(value: Any, allowed: Sequence[Any]) -> bool:
    for a in allowed:
        if isinstance(a, str) and isinstance(value, str):
            if a.strip().lower() == value.strip().lower():
                return True
        elif type(a) is type(value) and a == value:
            return True
    return False


class HttpTarget:
    """Any HTTP guard, through an adapter spec."""

    def __init__(self, spec: AdapterSpec, url: str | None = None, *, country: str = "ZZ", workers: int = 4) -> None:
        import httpx

        self.spec = spec
        self.url = url or spec.url
        if not self.url or not re.match(r"^https?://", self.url):
            raise InputError(f"target URL {self.url!r} must start with http:// or https://")
        self.country = country
        self.name = f"http:{self.url}"
        headers = {"Content-Type": "application/json",
                   **{k: os.path.expandvars(v) for k, v in spec.headers.items()}}
        self._client = httpx.Client(timeout=spec.timeout_s, headers=headers)
        self.workers = max(1, workers)
        self._threads = cf.ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="garde-redteam-http")

    def check_batch(self, probes: Sequence[Probe]) -> list[Verdict]:
        return list(self._threads.map(self.check, probes))

    def check(self, probe: Probe) -> Verdict:
        import httpx

        body = render_body(self.spec.body, probe, self.country, self.spec.history_joiner)
        t0 = time.perf_counter()
        try:
            if self.spec.method == "GET":
                params = body if isinstance(body, dict) else {"q": json.dumps(body)}
                r = self._client.get(self.url or "", params={k: str(v) for k, v in params.items()})
            else:
                r = self._client.request(self.spec.method, self.url or "", json=body)
        except httpx.HTTPError as e:
            return Verdict(allowed=None, error=f"{type(e).__name__}: {e}"[:300],
                           latency_ms=(time.perf_counter() - t0) * 1e3)
        ms = (time.perf_counter() - t0) * 1e3
        if r.status_code >= 400:
            return Verdict(allowed=None, error=f"HTTP {r.status_code}: {r.text[:200]}", latency_ms=ms)
        try:
            doc = r.json()
            value = read_path(doc, self.spec.verdict.path)
        except ValueError:
            return Verdict(allowed=None, error=f"answer is not JSON: {r.text[:200]!r}", latency_ms=ms)
        except PathMissing:
            return Verdict(allowed=None, error=f"no {self.spec.verdict.path!r} in the answer: {r.text[:200]}",
                           latency_ms=ms)
        action = ""
        if self.spec.verdict.action_path:
            try:
                action = str(read_path(doc, self.spec.verdict.action_path))
            except PathMissing:
                action = ""
        rules: tuple[str, ...] = ()
        if self.spec.verdict.rules_path:
            try:
                got = read_path(doc, self.spec.verdict.rules_path)
                rules = tuple(str(x) for x in got) if isinstance(got, list) else ()
            except PathMissing:
                rules = ()
        allowed = _matches(value, self.spec.verdict.allowed_values)
        return Verdict(allowed=allowed, action=action or ("allowed" if allowed else "refused"), rules=rules,
                       latency_ms=ms)

    def close(self) -> None:
        self._threads.shutdown(wait=True)
        self._client.close()

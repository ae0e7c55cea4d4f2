"""The guard: run the analysers, ask the policy, record the decision.

::

    guard = Guard()                                  # default analysers, policy and log
    d = guard.check_request(request)                 # before the generator
    if d.allowed:
        image = my_generator(request)
        out = guard.check_output(request, image, d)  # after it: the attire delta and the rest
        if out.allowed:
            release(image)

or wrap any generator once: ``safe = guard.guarded(my_generator)``.

Analysers run concurrently, each with its own timeout. An exception, a timeout
or a missing model becomes an :class:`~garde.model.AnalyzerFailure`, which the
policy's ``on_error`` turns into review or stricter, never an allow. If the
decision cannot be written to the log, the decision is raised to at least
``block`` and says so.
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from garde.analyzers import AnalysisContext, Analyzer, images_only, prepare
from garde.errors import GardeError, InputError, ModelMissing
from garde.model import Action, AnalyzerFailure, Decision, Image, Request, RuleHit, Signal, Stage
from garde.policy import Policy, Resolution, default_policy
from garde.store.log import DecisionLog, InMemoryDecisionLog

__all__ = ["Guard", "GuardedResult", "PreCheck", "default_analyzers", "suspended_pre_check"]

log = logging.getLogger("garde.guard")

DEFAULT_TIMEOUT = float(os.environ.get("GARDE_ANALYZER_TIMEOUT", "20"))

# A pre-check runs before any analysis (enforcement uses it to refuse suspended
# actors). It returns None to go on, or a RuleHit that decides the request.
PreCheck = Callable[[Request], RuleHit | None]


@dataclass(slots=True, kw_only=True)
class _Missing:
    """Stands in for an analyser whose package or model is absent: always fails."""

    name: str
    version: str = "missing"
    stages: frozenset[Stage] = frozenset({Stage.REQUEST, Stage.OUTPUT})
    why: str = ""
    images_only: bool = False

    def analyze(self, ctx: AnalysisContext) -> Sequence[Signal]:
        if self.images_only and not ctx.images:
            return []
        raise ModelMissing(f"analyser {self.name!r} is not available: {self.why}")


def default_analyzers() -> list[Analyzer]:
    """The analysers that ship with garde; a missing one is replaced by a stand-in that fails closed."""
    out: list[Analyzer] = []
    for name, module in (("text", "garde.text.analyzer"), ("vision", "garde.vision.analyzer"),
                         ("hashing", "garde.hashing.analyzer")):
        try:
            mod = __import__(module, fromlist=["default_analyzer"])
            out.append(mod.default_analyzer())
        except ModuleNotFoundError as e:
            if name == "hashing" and e.name and e.name.startswith("garde.hashing"):
                continue  # hash banks are optional until configured
            out.append(_Missing(name=name, why=f"{module} could not be imported ({e})",
                                images_only=name != "text"))
        except Exception as e:  # a broken model install must fail closed, not crash
            out.append(_Missing(name=name, why=f"{type(e).__name__}: {e}", images_only=name != "text"))
    return out


@dataclass(frozen=True, slots=True, kw_only=True)
class GuardedResult:
    """What a guarded generator returns: the image only when both checks allowed it."""

    request_decision: Decision
    output_decision: Decision | None
    image: Image | None

    @property
    def released(self) -> bool:
        return self.image is not None


class Guard:
    """Runs analysers, evaluates the policy, records every decision."""

    def __init__(
        self,
        *,
        analyzers: Iterable[Analyzer] | None = None,
        policy: Policy | None = None,
        log: DecisionLog | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        pre_checks: Iterable[PreCheck] = (),
        max_workers: int = 4,
    ) -> None:
        self.policy = policy or default_policy()
        self.analyzers: list[Analyzer] = list(analyzers) if analyzers is not None else default_analyzers()
        names = [a.name for a in self.analyzers]
        if len(set(names)) != len(names):
            raise InputError(f"analyser names must be unique, got {names}")
        self.log: DecisionLog = log if log is not None else InMemoryDecisionLog()
        self.timeout = timeout
        self.pre_checks = list(pre_checks)
        self._pool = cf.ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="garde-analyzer")
        self.on_decision: list[Callable[[Decision, Request], None]] = []

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def __enter__(self) -> Guard:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def analyzer_versions(self) -> dict[str, str]:
        return {a.name: a.version for a in self.analyzers}

    # -- running analysers --------------------------------------------------------

    def _active(self, ctx: AnalysisContext) -> list[Analyzer]:
        # an analyser that only reads images is not scheduled on a check without any (no thread hop)
        return [a for a in self.analyzers if ctx.stage in a.stages and (ctx.images or not images_only(a))]

    def _prepared(self, ctx: AnalysisContext) -> list[Analyzer]:
        """The analysers this check runs, each told so (``prepare``) before anything else happens."""
        active = self._active(ctx)
        for a in active:
            prepare(a, ctx)
        return active

    def _run(self, ctx: AnalysisContext, active: Sequence[Analyzer],
             ) -> tuple[list[Signal], list[AnalyzerFailure], dict[str, float]]:
        """Run the ``active`` analysers on ``ctx``, then close it (whatever they registered there)."""
        try:
            return self._run_active(ctx, active)
        finally:
            ctx.close()

    def _run_active(self, ctx: AnalysisContext, active: Sequence[Analyzer],
                    ) -> tuple[list[Signal], list[AnalyzerFailure], dict[str, float]]:
        futures: dict[cf.Future[Sequence[Signal]], tuple[Analyzer, float]] = {}
        for a in active:
            futures[self._pool.submit(a.analyze, ctx)] = (a, time.perf_counter())
        signals: list[Signal] = []
        failures: list[AnalyzerFailure] = []
        timings: dict[str, float] = {}
        deadline = time.monotonic() + self.timeout
        for fut, (a, t0) in futures.items():
            try:
                remaining = max(0.0, deadline - time.monotonic())
                got = fut.result(timeout=remaining)
                for s in got:
                    if not isinstance(s, Signal):
                        raise TypeError(f"analyser {a.name!r} returned {type(s).__name__}, not Signal")
                signals.extend(got)
            except cf.TimeoutError:
                fut.cancel()
                failures.append(AnalyzerFailure(analyzer=a.name, kind="timeout",
                                                message=f"no answer within {self.timeout:g} s"))
            except ModelMissing as e:
                failures.append(AnalyzerFailure(analyzer=a.name, kind="missing_model", message=e.message))
            except InputError as e:
                failures.append(AnalyzerFailure(analyzer=a.name, kind="input", message=e.message))
            except Exception as e:  # any failure becomes data the policy handles
                log.warning("analyser %s failed: %s", a.name, type(e).__name__)
                failures.append(AnalyzerFailure(analyzer=a.name, kind="exception",
                                                message=f"{type(e).__name__}: {e}"[:300]))
            timings[a.name] = time.perf_counter() - t0
        return signals, failures, timings

    # -- decisions ---------------------------------------------------------------

    @staticmethod
    def _lang(signals: Sequence[Signal]) -> str:
        best: tuple[float, str] = (0.0, "en")
        for s in signals:
            if s.name == "language" and isinstance(s.evidence.get("lang"), str):
                best = max(best, (s.score, str(s.evidence["lang"])))
        return best[1]

    def _decide(
        self,
        request: Request,
        stage: Stage,
        signals: list[Signal],
        failures: list[AnalyzerFailure],
        images: Sequence[Image],
        parent: Decision | None,
        extra_hits: Sequence[RuleHit] = (),
        resolution: Resolution | None = None,
    ) -> Decision:
        resolution = resolution or self.policy.resolve(request.actor)
        result = self.policy.evaluate(resolution, signals, stage, failures, has_images=bool(images))
        hits = list(result.hits) + list(extra_hits)
        action = max([result.action, *(h.action for h in extra_hits)])
        top = max(hits, key=lambda h: h.action).category if hits else None
        lang = self._lang(signals) if signals else (parent.message_lang if parent else "en")
        message, mlang = self.policy.message(action, top, lang)
        decision = Decision(
            action=action, stage=stage, request_id=request.request_id, actor=request.actor,
            hits=tuple(sorted(hits, key=lambda h: (-h.action, h.rule_id))), signals=tuple(signals),
            policy_id=f"garde:{'+'.join(resolution.ids)}", policy_digest=resolution.digest,
            jurisdictions=resolution.jurisdictions, analyzer_versions=self.analyzer_versions,
            analyzer_errors=tuple(failures), message=message, message_lang=mlang,
            image_sha256=tuple(i.sha256 for i in images),
            parent_decision_id=parent.decision_id if parent else None,
        )
        return self._record(decision, request, images, stage)

    def _record(self, decision: Decision, request: Request, images: Sequence[Image], stage: Stage) -> Decision:
        role = "output" if stage is Stage.OUTPUT else "input"
        pdq: dict[str, tuple[str | None, int | None]] = {}
        for s in decision.signals:
            if s.name == "image_hash" or "pdq" in s.evidence:
                sha = s.evidence.get("sha256")
                if isinstance(sha, str):
                    pdq[sha] = (s.evidence.get("pdq"), s.evidence.get("pdq_quality"))
        rows = [(role, i.sha256, *pdq.get(i.sha256, (None, None))) for i in images]
        try:
            self.log.append(decision, request, rows)
        except GardeError as e:
            # The log is part of the guarantee: no record, no allow.
            failure = AnalyzerFailure(analyzer="store", kind="exception", message=e.message)
            action = max(decision.action, Action.BLOCK)
            message, mlang = self.policy.message(action, "analyzer_failure", decision.message_lang)
            decision = replace(
                decision, action=action, message=message, message_lang=mlang,
                analyzer_errors=(*decision.analyzer_errors, failure),
                hits=(*decision.hits, RuleHit(rule_id="garde.store_unavailable", pack="garde",
                                              action=Action.BLOCK, category="analyzer_failure",
                                              reason=f"the decision could not be recorded: {e.message}")),
            )
        for hook in self.on_decision:
            try:
                hook(decision, request)
            except Exception:  # a hook never changes a decision
                log.exception("decision hook failed")
        return decision

    def check_request(self, request: Request) -> Decision:
        """Check a request before the generator runs."""
        resolution = self.policy.resolve(request.actor)  # unknown jurisdictions fail here, before any work
        ctx = AnalysisContext(request=request, stage=Stage.REQUEST)
        active = self._prepared(ctx)
        try:
            for pre in self.pre_checks:
                hit = pre(request)
                if hit is not None:
                    ctx.close()
                    return self._decide(request, Stage.REQUEST, [], [], request.images, None, [hit], resolution)
        except BaseException:
            ctx.close()
            raise
        signals, failures, _ = self._run(ctx, active)
        return self._decide(request, Stage.REQUEST, signals, failures, request.images, None, (), resolution)

    def check_output(self, request: Request, output: Image, request_decision: Decision) -> Decision:
        """Check a generated image against its request and the originals (the attire delta)."""
        if request_decision.request_id != request.request_id:
            raise InputError(f"decision {request_decision.decision_id!r} belongs to request "
                             f"{request_decision.request_id!r}, not {request.request_id!r}")
        if not request_decision.allowed:
            hit = RuleHit(rule_id="garde.request_not_allowed", pack="garde", action=Action.BLOCK,
                          category="request_refused",
                          reason=f"the request was {request_decision.action.label}: its output is never released")
            return self._decide(request, Stage.OUTPUT, [], [], (output,), request_decision, [hit])
        ctx = AnalysisContext(request=request, stage=Stage.OUTPUT, output=output)
        signals, failures, _ = self._run(ctx, self._prepared(ctx))
        return self._decide(request, Stage.OUTPUT, signals, failures, (output,), request_decision)

    def guarded(self, generate: Callable[[Request], bytes | Image]) -> Callable[[Request], GuardedResult]:
        """Wrap a generator so it runs only on allow/label and its output is released only if allowed."""

        def run(request: Request) -> GuardedResult:
            d = self.check_request(request)
            if not d.allowed:
                return GuardedResult(request_decision=d, output_decision=None, image=None)
            produced = generate(request)
            image = produced if isinstance(produced, Image) else Image(data=produced, name="output")
            out = self.check_output(request, image, d)
            return GuardedResult(request_decision=d, output_decision=out, image=image if out.allowed else None)

        return run

    def describe(self) -> dict[str, Any]:
        return {"analyzers": self.analyzer_versions, "timeout_s": self.timeout, **self.policy.describe()}


def suspended_pre_check(is_suspended: Callable[[str], str | None]) -> PreCheck:
    """A pre-check that refuses suspended actors: ``is_suspended(user_id)`` returns a reason or None."""

    def check(request: Request) -> RuleHit | None:
        why = is_suspended(request.actor.user_id)
        if why is None:
            return None
        return RuleHit(rule_id="garde.actor_suspended", pack="garde", action=Action.BLOCK,
                       category="actor_suspended", reason=why)

    return check


"""The FastAPI application factory.

::

    from garde.service import create_app
    app = create_app()                          # default analysers, $GARDE_DB_URL (or SQLite)
    app = create_app(guard=my_guard, db=db)     # tests: FakeAnalyzers, a temporary database

``uvicorn --factory garde.service.app:create_app`` runs it; ``garde serve`` does the same.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
import uuid
from collections.abc import MutableMapping, Sequence
from typing import Any

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from garde import __version__ as garde_version
from garde.errors import GardeError
from garde.guard import Guard
from garde.service.api import build_api_router
from garde.service.config import ServiceSettings
from garde.service.errors import PayloadTooLarge, error_body, install_error_handlers
from garde.service.images import ReviewVault
from garde.service.metrics import Metrics, TimedAnalyzer
from garde.service.schemas import ErrorOut, HealthOut, OutputIn, ReadyOut, RequestIn
from garde.service.security import AuditTrail, KeyStore, RateLimiter, SessionSigner, UserStore, shared_secret
from garde.service.state import ServiceState, load_bank_store, load_case_store
from garde.store import Database, SqlDecisionLog

__all__ = ["create_app"]

log = logging.getLogger("garde.service")
access = logging.getLogger("garde.service.access")


class BodyLimit:
    """Refuse bodies over ``limit`` bytes: on Content-Length at once, else while streaming."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        cl = headers.get(b"content-length")
        if cl is not None:
            try:
                n = int(cl)
            except ValueError:
                n = -1
            if n < 0 or n > self.limit:
                msg = (f"the body is {cl.decode(errors='replace')} bytes; the limit is {self.limit}" if n > 0
                       else "invalid Content-Length")
                status = 413 if n > 0 else 400
                resp = JSONResponse(error_body(status, "payload_too_large" if n > 0 else "bad_request", msg),
                                    status_code=status, headers={"Connection": "close"})
                await resp(scope, receive, send)
                return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            m = await receive()
            if m["type"] == "http.request":
                seen += len(m.get("body", b""))
                if seen > self.limit:
                    raise PayloadTooLarge(f"the body is over {self.limit} bytes")
            return m

        await self.app(scope, limited, send)


class Timing:
    """Latency metrics, an X-Request-ID header and one access-log line: ids and timings, never bodies."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        rid = headers.get(b"x-request-id", b"").decode("latin-1")[:64] or uuid.uuid4().hex
        t0 = time.perf_counter()
        status = 500

        async def sending(m: Message) -> None:
            nonlocal status
            if m["type"] == "http.response.start":
                status = int(m["status"])
                m["headers"] = [*list(m.get("headers") or []), (b"x-request-id", rid.encode("latin-1"))]
            await send(m)

        try:
            await self.app(scope, receive, sending)
        finally:
            dt = time.perf_counter() - t0
            path = getattr(scope.get("route"), "path", "unmatched")
            method = str(scope.get("method", ""))
            self.metrics.http_seconds.labels(path, method, str(status)).observe(dt)
            if 400 <= status < 500:
                self.metrics.rejections.labels(str(status)).inc()
            access.info("%s %s %s %.1fms rid=%s", method, path, status, dt * 1000, rid)


class Warmup:
    """Loads the analysers' models (their ``warm_up()``) in a background thread as a worker starts.

    ``status`` maps each analyser that has something to load to "warming up", "ok" or why its
    warm-up failed; /readyz reports the worker not ready until all are "ok". Checks that arrive
    meanwhile are answered as usual (they wait for the model they need, loaded once under its lock).
    """

    def __init__(self, analyzers: Sequence[Any]) -> None:
        self._todo = [(a.name, fn) for a in analyzers
                      if callable(fn := getattr(getattr(a, "inner", a), "warm_up", None))]
        self.status: dict[str, str] = {name: "warming up" for name, _ in self._todo}
        self.seconds: float | None = None
        self._thread = threading.Thread(target=self._run, name="garde-warm-up", daemon=True)

    def start(self) -> Warmup:
        if self._todo:
            self._thread.start()
        else:
            self.seconds = 0.0
        return self

    def join(self, timeout: float | None = None) -> None:
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        t0 = time.perf_counter()
        for name, fn in self._todo:
            try:
                fn()
                self.status[name] = "ok"
            except Exception as e:  # reported by /readyz; the analyser itself fails closed on use
                self.status[name] = f"warm-up failed: {type(e).__name__}"
                log.exception("warm-up of analyser %s failed", name)
        # The models are hundreds of thousands of long-lived objects (the tokenizer's vocabulary
        # alone); moved out of the collector's reach, a full collection no longer walks them
        # (20 ms with the text model, a pause on every worker's event loop, seen in the p99)
        gc.collect()
        gc.freeze()
        self.seconds = time.perf_counter() - t0
        log.info("analysers warmed up in %.1f s: %s", self.seconds, self.status)


def _default_guard(db: Database) -> Guard:
    """The production guard: default analysers, the SQL decision log, enforcement attached."""
    from garde.enforce.enforcer import Enforcer

    guard = Guard(log=SqlDecisionLog(db))
    Enforcer.from_database(db, policy=guard.policy).attach(guard)
    return guard


def create_app(
    guard: Guard | None = None,
    db: Database | None = None,
    *,
    settings: ServiceSettings | None = None,
    cases: Any | None = None,
    console: bool = True,
) -> FastAPI:
    """Build the app. ``guard`` defaults to the shipped analysers logging to ``db`` (default ``$GARDE_DB_URL``)."""
    settings = settings or ServiceSettings.from_env()
    db = db or Database()
    guard = guard or _default_guard(db)
    metrics = Metrics()
    guard.analyzers = [a if isinstance(a, TimedAnalyzer) else TimedAnalyzer(a, metrics) for a in guard.analyzers]
    state = ServiceState(
        guard=guard, db=db, settings=settings, keys=KeyStore(db, settings.key_cache_seconds), users=UserStore(db),
        audit=AuditTrail(db), limiter=RateLimiter(), signer=SessionSigner(shared_secret(db, settings.secret_key),
                                                                           settings.session_hours),
        vault=ReviewVault(db, settings.review_image_ttl_hours), metrics=metrics,
        cases=cases if cases is not None else load_case_store(db),
    )
    state.banks = load_bank_store(db, policy=guard.policy, cases=state.cases)
    state.extra["warmup"] = Warmup(guard.analyzers if settings.warm_up else ()).start()
    app = FastAPI(
        title="garde", version=garde_version,
        description="A safety and consent layer for AI image generation and editing. Every error has the shape "
                    '`{"error": {"code", "message", "status"}}`; any error on a check means: do not proceed.',
        docs_url="/docs", redoc_url=None, openapi_url="/openapi.json",
    )
    app.state.garde = state
    install_error_handlers(app)
    app.include_router(build_api_router(state))

    @app.get("/healthz", response_model=HealthOut, tags=["operations"], summary="The process is up")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", response_model=ReadyOut, tags=["operations"], summary="Models loaded, database reachable",
             responses={503: {"model": ErrorOut, "description": "Not ready"}})
    async def readyz() -> JSONResponse:
        checks = await run_in_threadpool(_readiness, state)
        ok = all(v == "ok" for v in checks.values() if isinstance(v, str)) and all(
            v == "ok" for v in checks.get("analyzers", {}).values())
        metrics.ready.set(1 if ok else 0)
        if ok:
            return JSONResponse({"ready": True, "checks": checks})
        body = error_body(503, "not_ready", "not ready: " + ", ".join(_failing(checks)))
        return JSONResponse({**body, "ready": False, "checks": checks}, status_code=503)

    @app.get("/metrics", tags=["operations"], summary="Prometheus metrics",
             responses={200: {"content": {"text/plain": {}}}})
    async def prom() -> Response:
        return Response(metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")

    if console:
        from garde.service.console import mount_console

        mount_console(app, state)

    app.add_middleware(Timing, metrics=metrics)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        comps = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in (RequestIn, OutputIn, ErrorOut):
            js = model.model_json_schema(ref_template="#/components/schemas/{model}")
            for name, sub in js.pop("$defs", {}).items():
                comps.setdefault(name, sub)
            comps[model.__name__] = js
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def _readiness(state: ServiceState) -> dict[str, Any]:
    checks: dict[str, Any] = {}
    try:
        state.db.ping()
        checks["database"] = "ok"
    except GardeError as e:
        checks["database"] = f"unavailable: {e.message}"
    an: dict[str, str] = {}
    for a in state.guard.analyzers:
        inner = getattr(a, "inner", a)
        if getattr(inner, "version", "") == "missing" or type(inner).__name__ == "_Missing":
            an[a.name] = f"missing: {getattr(inner, 'why', '')}"[:300]
            continue
        warming = getattr(state.extra.get("warmup"), "status", {}).get(a.name, "ok")
        if warming != "ok":
            an[a.name] = warming
            continue
        probe = getattr(inner, "ready", None)
        try:
            ok = probe() if callable(probe) else True
            an[a.name] = "ok" if ok in (True, None) else f"not ready: {ok}"
        except Exception as e:
            an[a.name] = f"not ready: {type(e).__name__}"
    checks["analyzers"] = an
    return checks


def _failing(checks: MutableMapping[str, Any]) -> list[str]:
    out = [k for k, v in checks.items() if isinstance(v, str) and v != "ok"]
    out += [f"analyzer {k}" for k, v in checks.get("analyzers", {}).items() if v != "ok"]
    return out

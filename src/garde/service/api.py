"""The JSON API: /v1/requests/check, /v1/outputs/check, decisions and cases."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from garde.errors import AnalyzerError, GardeError, ImageError, InputError, NotFound
from garde.model import Action, Actor, Decision, Image, Stage
from garde.model import Request as GRequest
from garde.service.errors import Forbidden, PayloadTooLarge, RequestMismatch, Unauthorized
from garde.service.images import decode_b64_image, vet_image
from garde.service.schemas import (
    CaseActionIn,
    CaseListOut,
    CaseOut,
    DecisionOut,
    ErrorOut,
    OutputIn,
    RecordOut,
    RequestIn,
)
from garde.service.security import ApiKey
from garde.service.state import ServiceState

__all__ = ["ERROR_RESPONSES", "build_api_router", "console_action"]

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    s: {"model": ErrorOut, "description": d} for s, d in (
        (400, "Bad input (the message quotes the bad value)"), (401, "Missing or invalid API key"),
        (403, "The key lacks the scope"), (404, "Not found"), (409, "Conflict"), (413, "Too large"),
        (415, "Unsupported media type"), (422, "Invalid request body"), (429, "Rate limited"),
        (503, "A dependency is down: fail closed, never an allow"))
}

#: The console's three verbs, in the case store's vocabulary.
CONSOLE_ACTIONS = {"confirm": "confirm", "overturn": "dismiss", "escalate": "report"}


def console_action(action: str) -> str:
    return CONSOLE_ACTIONS.get(action, action)


def _multipart_schema(with_output: bool) -> dict[str, Any]:
    props: dict[str, Any] = {
        "prompt": {"type": "string"}, "actor_id": {"type": "string"},
        "actor_country": {"type": "string"}, "actor_tier": {"type": "string"}, "surface": {"type": "string"},
        "history": {"type": "array", "items": {"type": "string"}},
        "images": {"type": "array", "items": {"type": "string", "format": "binary"}},
    }
    required = ["prompt", "actor_id"]
    if with_output:
        props["request_decision_id"] = {"type": "string"}
        props["output"] = {"type": "string", "format": "binary"}
        required += ["request_decision_id", "output"]
    return {"type": "object", "properties": props, "required": required}


def _body_doc(model: str, with_output: bool) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {
        "application/json": {"schema": {"$ref": f"#/components/schemas/{model}"}},
        "multipart/form-data": {"schema": _multipart_schema(with_output)},
    }}}


def _validate(model: type[RequestIn] | type[OutputIn], data: Any) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError:
        raise
    except ValueError as e:  # pragma: no cover - defensive
        raise InputError(str(e)) from None


def build_api_router(state: ServiceState) -> APIRouter:
    router = APIRouter()
    settings = state.settings
    bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer garde_...`")

    def require(scope: str) -> Callable[..., Awaitable[ApiKey]]:
        async def dep(creds: HTTPAuthorizationCredentials | None = Depends(bearer)) -> ApiKey:  # noqa: B008
            if creds is None or creds.scheme.lower() != "bearer" or not creds.credentials:
                raise Unauthorized("missing API key: send 'Authorization: Bearer KEY'")
            key = state.keys.authenticate_cached(creds.credentials)  # no thread hop for a cached key
            if key is None:
                key = await run_in_threadpool(state.keys.authenticate, creds.credentials)
            if not key.allows(scope):
                raise Forbidden(f"API key {key.key_id!r} lacks the {scope!r} scope")
            state.limiter.take(f"key:{key.key_id}", key.rate or settings.default_rate,
                               key.burst or settings.default_burst)
            return key

        return dep

    # -- parsing ---------------------------------------------------------------

    async def read_json(request: Request) -> Any:
        raw = await request.body()
        if not raw:
            raise InputError("the request body is empty; send JSON or multipart/form-data")
        import json

        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError) as e:
            raise InputError(f"the request body is not valid JSON: {e}") from None

    async def read_form(request: Request, with_output: bool) -> tuple[dict[str, Any], list[Image], Image | None]:
        try:
            form = await request.form(max_files=settings.max_images + 1, max_fields=settings.max_history + 16,
                                      max_part_size=settings.max_prompt_chars * 4 + 4096)
        except GardeError:
            raise
        except Exception as e:
            raise InputError(f"the multipart body cannot be read: {getattr(e, 'detail', None) or e}") from None
        images: list[Image] = []
        output: Image | None = None
        for i, f in enumerate(form.getlist("images")):
            if not isinstance(f, UploadFile):
                raise InputError(f"images[{i}] must be a file part")
            data = await f.read(settings.max_image_bytes + 1)
            images.append(vet_image(data, f"images[{i}]", settings))
        if len(images) > settings.max_images:
            raise PayloadTooLarge(f"{len(images)} images; the limit is {settings.max_images}")
        if with_output:
            part = form.get("output")
            if not isinstance(part, UploadFile):
                raise InputError("output must be a file part")
            output = vet_image(await part.read(settings.max_image_bytes + 1), "output", settings)

        def text(name: str, default: str | None = None) -> str | None:
            v = form.get(name)
            if v is None:
                return default
            if not isinstance(v, str):
                raise InputError(f"{name} must be a text field")
            return v

        body: dict[str, Any] = {
            "prompt": text("prompt"),
            "images": [],
            "actor": {"id": text("actor_id"), "country": text("actor_country", "ZZ"),
                      "tier": text("actor_tier", "free")},
            "surface": text("surface", "api"),
            "history": [h for h in form.getlist("history") if isinstance(h, str)],
        }
        return body, images, output

    def build(body: RequestIn, images: list[Image], request_id: str | None = None) -> GRequest:
        if len(body.prompt) > settings.max_prompt_chars:
            raise PayloadTooLarge(f"the prompt has {len(body.prompt)} characters; the limit is "
                                  f"{settings.max_prompt_chars}")
        if len(body.history) > settings.max_history:
            raise PayloadTooLarge(f"history has {len(body.history)} turns; the limit is {settings.max_history}")
        if any(len(h) > settings.max_prompt_chars for h in body.history):
            raise PayloadTooLarge(f"a history turn is longer than {settings.max_prompt_chars} characters")
        if len(body.images) > settings.max_images:
            raise PayloadTooLarge(f"{len(body.images)} images; the limit is {settings.max_images}")
        if body.images:
            images = [decode_b64_image(s, f"images[{i}]", settings) for i, s in enumerate(body.images)]
        actor = Actor(user_id=body.actor.id, country=body.actor.country, tier=body.actor.tier)
        kw: dict[str, Any] = {"request_id": request_id} if request_id else {}
        return GRequest(prompt=body.prompt, actor=actor, images=tuple(images), surface=body.surface,
                        history=tuple(body.history), **kw)

    async def parse_request(request: Request) -> GRequest:
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype == "application/json" or ctype.endswith("+json"):
            return build(_validate(RequestIn, await read_json(request)), [])
        if ctype == "multipart/form-data":
            data, images, _ = await read_form(request, with_output=False)
            return build(_validate(RequestIn, data), images)
        raise _unsupported(ctype)

    async def parse_output(request: Request) -> tuple[OutputIn | None, str, GRequest, Image]:
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype == "application/json" or ctype.endswith("+json"):
            body: OutputIn = _validate(OutputIn, await read_json(request))
            output = decode_b64_image(body.output, "output", settings)
            return body, body.request_decision_id, build(body.request, []), output
        if ctype == "multipart/form-data":
            data, images, out = await read_form(request, with_output=True)
            form = await request.form()
            did = form.get("request_decision_id")
            if not isinstance(did, str) or not did or len(did) > 64:
                raise InputError(f"request_decision_id must be a decision id, got {did!r}")
            assert out is not None
            return None, did, build(_validate(RequestIn, data), images), out
        raise _unsupported(ctype)

    # -- the checks ------------------------------------------------------------

    async def in_thread(fn: Callable[..., Any], *args: Any) -> Any:
        try:
            return await asyncio.wait_for(run_in_threadpool(fn, *args), settings.check_timeout)
        except TimeoutError:
            raise AnalyzerError(f"the check did not finish within {settings.check_timeout:g} s; "
                                f"nothing was allowed") from None

    def run_request_check(req: GRequest) -> dict[str, Any]:
        d = state.guard.check_request(req)
        case_id = state.after_decision(d, req.images)
        return {**d.to_dict(), "case_id": case_id}

    def run_output_check(did: str, req: GRequest, output: Image) -> dict[str, Any]:
        parent_rec = state.guard.log.get(did).record
        parent = _parent_decision(parent_rec, did)
        _check_same_request(parent_rec, req)
        req2 = GRequest(prompt=req.prompt, actor=req.actor, images=req.images, surface=req.surface,
                        history=req.history, request_id=parent.request_id)
        d = state.guard.check_output(req2, output, parent)
        case_id = state.after_decision(d, (output,))
        return {**d.to_dict(), "case_id": case_id}

    @router.post("/v1/requests/check", response_model=DecisionOut, responses=ERROR_RESPONSES, tags=["checks"],
                 openapi_extra=_body_doc("RequestIn", with_output=False), summary="Check a request")
    async def check_request(request: Request, key: ApiKey = Depends(require("check"))) -> JSONResponse:  # noqa: B008
        """Check a generation or edit request before the generator runs.

        Proceed only when ``allowed`` is true (``action`` is ``allow`` or ``label``). Any error status means:
        do not proceed.
        """
        req = await parse_request(request)
        out = await in_thread(run_request_check, req)
        return JSONResponse(out)

    @router.post("/v1/outputs/check", response_model=DecisionOut, responses=ERROR_RESPONSES, tags=["checks"],
                 openapi_extra=_body_doc("OutputIn", with_output=True), summary="Check a generated image")
    async def check_output(request: Request, key: ApiKey = Depends(require("check"))) -> JSONResponse:  # noqa: B008
        """Check a generated image against its request: the same analysers plus the attire delta.

        The service is stateless: send the original request again (prompt, images, actor) with the output
        and the request's ``decision_id``. The request is verified against the decision log (prompt digest,
        image digests, actor), so the originals cannot be swapped.
        """
        _, did, req, output = await parse_output(request)
        out = await in_thread(run_output_check, did, req, output)
        return JSONResponse(out)

    @router.get("/v1/decisions/{decision_id}", response_model=RecordOut, responses=ERROR_RESPONSES,
                tags=["decisions"], summary="A logged decision")
    async def get_decision(decision_id: str, key: ApiKey = Depends(require("moderate"))) -> JSONResponse:  # noqa: B008
        e = await run_in_threadpool(state.guard.log.get, decision_id)
        return JSONResponse({"seq": e.seq, "decision_id": e.decision_id, "digest": e.digest,
                             "prev_digest": e.prev_digest, "record": e.record})

    if state.cases is not None:
        cases = state.cases

        @router.get("/v1/cases", response_model=CaseListOut, responses=ERROR_RESPONSES, tags=["cases"],
                    summary="List cases")
        async def list_cases(
            key: ApiKey = Depends(require("moderate")),  # noqa: B008
            state_: str | None = Query(default=None, alias="state", max_length=16),
            kind: str | None = Query(default=None, max_length=32),
            limit: int = Query(default=100, ge=1, le=1000),
        ) -> JSONResponse:
            got = await run_in_threadpool(lambda: cases.list(state=state_, kind=kind, limit=limit))
            return JSONResponse({"cases": [c.to_dict() for c in got]})

        @router.get("/v1/cases/{case_id}", response_model=CaseOut, responses=ERROR_RESPONSES, tags=["cases"],
                    summary="One case with its history")
        async def get_case(case_id: str, key: ApiKey = Depends(require("moderate"))) -> JSONResponse:  # noqa: B008
            c = await run_in_threadpool(cases.get, case_id)
            return JSONResponse(c.to_dict())

        @router.post("/v1/cases/{case_id}/actions", response_model=CaseOut, responses=ERROR_RESPONSES,
                     tags=["cases"], summary="Act on a case")
        async def act_case(case_id: str, body: CaseActionIn,
                           key: ApiKey = Depends(require("moderate"))) -> JSONResponse:  # noqa: B008
            """``confirm``, ``overturn`` (dismiss) or ``escalate`` (report), or any case-store action."""
            by = f"key:{key.name}"
            c = await run_in_threadpool(
                lambda: cases.act(case_id, action=console_action(body.action), by=by, note=body.note))
            await run_in_threadpool(state.audit.record, by, "case_action", case_id, action=body.action)
            return JSONResponse(c.to_dict())

    return router


def _unsupported(ctype: str) -> GardeError:
    e = InputError(f"unsupported content type {ctype or '(none)'!r}: send application/json or multipart/form-data")
    e.status = 415
    e.code = "unsupported_media_type"
    return e


def _parent_decision(rec: dict[str, Any], did: str) -> Decision:
    if rec.get("stage") != Stage.REQUEST.value:
        raise InputError(f"decision {did!r} is an {rec.get('stage')!r} decision, not a request decision")
    a = rec.get("actor") or {}
    created = rec.get("created_at")
    kw: dict[str, Any] = {}
    if isinstance(created, str):
        kw["created_at"] = datetime.fromisoformat(created)
    return Decision(action=Action.parse(str(rec["action"])), stage=Stage.REQUEST, request_id=str(rec["request_id"]),
                    actor=Actor(user_id=str(a.get("id")), country=str(a.get("country", "ZZ")),
                                tier=str(a.get("tier", "free"))),
                    policy_digest=str(rec.get("policy_digest", "")), message_lang=str(rec.get("message_lang", "en")),
                    image_sha256=tuple(rec.get("image_sha256") or ()), decision_id=did, **kw)


def _check_same_request(rec: dict[str, Any], req: GRequest) -> None:
    """The resent request must be the one that was checked: same actor, prompt digest and images."""
    a = rec.get("actor") or {}
    if (a.get("id"), a.get("country"), a.get("tier")) != (req.actor.user_id, req.actor.country, req.actor.tier):
        raise RequestMismatch(f"actor {req.actor.user_id!r}/{req.actor.country}/{req.actor.tier} is not the actor "
                              f"of the request decision")
    sent = [i.sha256 for i in req.images]
    if list(rec.get("image_sha256") or []) != sent:
        raise RequestMismatch("the input images differ from those of the request decision (sha256 mismatch)")
    logged = (rec.get("request") or {}).get("prompt_sha256")
    if logged is not None and logged != hashlib.sha256(req.prompt.encode("utf-8")).hexdigest():
        raise RequestMismatch("the prompt differs from that of the request decision (sha256 mismatch)")


_ = (ImageError, NotFound)

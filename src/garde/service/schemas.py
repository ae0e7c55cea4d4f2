"""Pydantic models of the HTTP edge only; inside, garde's frozen dataclasses."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from garde.service.config import MAX_HISTORY, MAX_IMAGE_BYTES, MAX_IMAGES, MAX_PROMPT_CHARS

_B64_MAX = MAX_IMAGE_BYTES * 4 // 3 + 128


class ActorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=256, description="The platform's user id.")
    country: str = Field(default="ZZ", min_length=2, max_length=10,
                         description="ISO 3166-1 alpha-2, optionally with a subdivision: FR, US-CA. ZZ: unknown.")
    tier: str = Field(default="free", min_length=1, max_length=64, description="Recorded; never relaxes a rule.")


class RequestIn(BaseModel):
    """One generation or edit request, as the platform received it."""

    model_config = ConfigDict(extra="forbid")
    prompt: str = Field(max_length=MAX_PROMPT_CHARS)
    images: list[str] = Field(default_factory=list, max_length=MAX_IMAGES,
                              description="Input images, base64 (a data: URL prefix is accepted).")
    actor: ActorIn
    surface: str = Field(default="api", min_length=1, max_length=64, description="The product's entry point.")
    history: list[str] = Field(default_factory=list, max_length=MAX_HISTORY,
                               description="Earlier turns of the same conversation, oldest first.")


class OutputIn(BaseModel):
    """A generated image, the decision id of its request, and that request again (stateless service)."""

    model_config = ConfigDict(extra="forbid")
    request_decision_id: str = Field(min_length=1, max_length=64)
    output: str = Field(min_length=1, max_length=_B64_MAX, description="The generated image, base64.")
    request: RequestIn = Field(description="The original request, exactly as sent to /v1/requests/check.")


class ErrorDetail(BaseModel):
    code: str
    message: str
    status: int


class ErrorOut(BaseModel):
    """The one error shape of the API."""

    error: ErrorDetail


class DecisionOut(BaseModel):
    """A decision (``Decision.to_dict()``) and the case it opened, if any."""

    model_config = ConfigDict(extra="allow")
    decision_id: str
    request_id: str
    parent_decision_id: str | None = None
    stage: str
    action: str = Field(description="allow | label | review | block | block_and_report")
    allowed: bool
    rules: list[str]
    reasons: list[str]
    message: str
    message_lang: str
    hits: list[dict[str, Any]]
    signals: list[dict[str, Any]]
    analyzer_errors: list[dict[str, Any]]
    analyzer_versions: dict[str, str]
    jurisdictions: list[str]
    policy_id: str
    policy_digest: str
    image_sha256: list[str]
    actor: dict[str, str]
    created_at: str
    case_id: str | None = None


class RecordOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    seq: int
    decision_id: str
    digest: str
    record: dict[str, Any]


class CaseActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: str = Field(min_length=1, max_length=32,
                        description="confirm | overturn | escalate, or any case action: start_review, report, "
                                    "dismiss, close, reopen, comment")
    note: str = Field(default="", max_length=4000)


class CaseOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    kind: str
    state: str
    reason: str
    decision_id: str | None = None
    history: list[dict[str, Any]]


class CaseListOut(BaseModel):
    cases: list[CaseOut]


class HealthOut(BaseModel):
    status: str


class ReadyOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    ready: bool
    checks: dict[str, Any]

"""garde: a safety and consent layer for AI image generation and editing.

The public surface is exactly what ``__all__`` lists (pinned by a test)::

    from garde import Guard, Request, Actor, Image

    guard = Guard()
    decision = guard.check_request(Request(prompt="put her in a bikini",
                                           actor=Actor(user_id="u1", country="FR"),
                                           images=(Image(data=photo_bytes),)))
    decision.action        # Action.BLOCK
    decision.rule_ids      # ('floor.real_person.sexual_request', ...)
"""

from __future__ import annotations

from garde.analyzers import AnalysisContext, Analyzer, FakeAnalyzer
from garde.errors import (
    AnalyzerError,
    GardeError,
    ImageError,
    InputError,
    LogTampered,
    ModelMissing,
    NotFound,
    PolicyError,
    StoreError,
    Suspended,
    UnknownJurisdiction,
)
from garde.guard import Guard, GuardedResult
from garde.model import Action, Actor, AnalyzerFailure, Decision, Image, Request, RuleHit, Signal, Stage
from garde.policy import Policy

__version__ = "0.1.0"

__all__ = [
    "Action",
    "Actor",
    "AnalysisContext",
    "Analyzer",
    "AnalyzerError",
    "AnalyzerFailure",
    "Decision",
    "FakeAnalyzer",
    "GardeError",
    "Guard",
    "GuardedResult",
    "Image",
    "ImageError",
    "InputError",
    "LogTampered",
    "ModelMissing",
    "NotFound",
    "Policy",
    "PolicyError",
    "Request",
    "RuleHit",
    "Signal",
    "Stage",
    "StoreError",
    "Suspended",
    "UnknownJurisdiction",
    "__version__",
]

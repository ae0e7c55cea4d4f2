"""Enforcement: cases, strikes, suspensions, report packages, preservation holds, notices, transparency."""

from __future__ import annotations

from garde.enforce.cases import (
    KINDS,
    STATES,
    TRANSITIONS,
    Case,
    CaseEvent,
    CaseStore,
    InMemoryCaseStore,
    removal_deadline,
)

__all__ = [
    "KINDS",
    "STATES",
    "TRANSITIONS",
    "Case",
    "CaseEvent",
    "CaseStore",
    "InMemoryCaseStore",
    "removal_deadline",
]

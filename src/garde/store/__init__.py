"""Persistence: SQLite by default, PostgreSQL for shared deployments; the hash-chained decision log."""

from __future__ import annotations

from garde.store.db import Database, default_url
from garde.store.log import (
    DecisionLog,
    InMemoryDecisionLog,
    LogEntry,
    SqlDecisionLog,
    VerifyResult,
    make_record,
)

__all__ = [
    "Database",
    "DecisionLog",
    "InMemoryDecisionLog",
    "LogEntry",
    "SqlDecisionLog",
    "VerifyResult",
    "default_url",
    "make_record",
]

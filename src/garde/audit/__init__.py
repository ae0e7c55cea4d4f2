"""Corpus audit: repeat NGO studies of generated images offline, with error bars, at any scale.

``run_audit(AuditConfig(source=..., out=...))`` or ``garde audit SOURCE --out DIR``;
see ``docs/audit.md``.
"""

from __future__ import annotations

from garde.audit.engine import AuditConfig, AuditResult, run_audit
from garde.audit.readers import Corpus, Item, read_source
from garde.audit.stats import Share, stratified_ratio, stratified_sample, wilson

__all__ = ["AuditConfig", "AuditResult", "Corpus", "Item", "Share", "read_source", "run_audit", "stratified_ratio",
           "stratified_sample", "wilson"]

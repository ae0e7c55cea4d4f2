"""Report packages: what a national body needs about one incident, as JSON, per destination.

The fields are modelled on what the NCMEC CyberTipline and the UK NCA ask of a
reporting platform: the incident type and time, the identifiers the platform
holds about the actor, the content hashes, the decision and rule that triggered
it, and whether a person reviewed it. garde never sends a package anywhere: the
operator's hook (``Enforcer(report_hook=...)``) or ``garde report package`` hands
it over. Image bytes are included only when the operator configured a
preservation store *and* asks for them.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from garde.enforce.cases import SYSTEM, Case
from garde.enforce.ledger import Hold

__all__ = ["DESTINATIONS", "SCHEMA", "build_package", "incident_type"]

SCHEMA = "garde.report_package/1"

# What garde knows about the destinations the packs name (display only; nothing is sent).
DESTINATIONS: dict[str, dict[str, str]] = {
    "NCMEC_CyberTipline": {"name": "NCMEC CyberTipline", "country": "US", "law": "18 USC 2258A"},
    "NCA": {"name": "UK National Crime Agency", "country": "GB", "law": "Online Safety Act 2023 s66"},
    "C3P": {"name": "Canadian Centre for Child Protection", "country": "CA", "law": "Mandatory Reporting Act 2011"},
    "AFP": {"name": "Australian Federal Police (ACCCE)", "country": "AU", "law": ""},
    "BKA": {"name": "Bundeskriminalamt", "country": "DE", "law": "DSA Art 18"},
    "Pharos": {"name": "PHAROS (French Interior Ministry)", "country": "FR", "law": ""},
    "SJPU": {"name": "Special Juvenile Police Unit", "country": "IN", "law": "POCSO s19"},
    "KCSC": {"name": "Korea Communications Standards Commission", "country": "KR", "law": ""},
    "Europol": {"name": "Europol", "country": "EU", "law": "DSA Art 18"},
    "competent_authorities": {"name": "competent law-enforcement or judicial authorities", "country": "", "law": ""},
}

_INCIDENT = {
    "minor_sexualisation": "apparent child sexual abuse material (requested or generated, incl. computer-generated)",
    "hash_known_abuse": "known child sexual abuse material (hash-list match)",
}


def incident_type(category: str) -> str:
    return _INCIDENT.get(category, category.replace("_", " "))


def _reviews(case: Case) -> list[dict[str, str]]:
    return [{"by": e.by, "action": e.action, "at": e.at.isoformat()} for e in case.history
            if e.by != SYSTEM and e.action in ("start_review", "confirm", "report", "dismiss", "comment")]


def build_package(
    case: Case,
    destination: str,
    *,
    package_id: str,
    generated_at: datetime,
    platform: str = "garde",
    hold: Hold | None = None,
    actor_identifiers: dict[str, Any] | None = None,
    files: Sequence[tuple[str, bytes]] = (),
) -> dict[str, Any]:
    """One destination's package for a ``block_and_report`` case (a pure function of the case).

    ``files`` are (sha256, bytes) read back from the preservation store; they
    are only ever passed when the operator configured one and asked for them.
    """
    s = case.subject
    dec: dict[str, Any] = s.get("decision", {})
    hits: list[dict[str, Any]] = dec.get("hits", [])
    category = hits[0]["category"] if hits else "unknown"
    reviews = _reviews(case)
    dest = DESTINATIONS.get(destination, {"name": destination, "country": "", "law": ""})
    pkg: dict[str, Any] = {
        "schema": SCHEMA,
        "package_id": package_id,
        "case_id": case.id,
        "destination": destination,
        "destination_name": dest["name"],
        "generated_at": generated_at.isoformat(),
        "transmission": "not sent by garde: the operator's hook or command hands this package over",
        "reporting_platform": platform,
        "incident": {
            "type": incident_type(category),
            "category": category,
            "occurred_at": dec.get("created_at"),
            "detected_at": case.created_at.isoformat(),
            "stage": dec.get("stage"),
            "surface": s.get("surface"),
            "actor_country": case.country,
            "jurisdictions": dec.get("jurisdictions", []),
        },
        "actor": {"user_id": case.actor_id, "country": case.country, "tier": dec.get("tier"),
                  **(actor_identifiers or {})},
        "content": {
            "images": s.get("images", []),
            "prompt_sha256": s.get("prompt_sha256"),
            "files_included": bool(files),
        },
        "decision": {
            "decision_id": case.decision_id,
            "request_id": dec.get("request_id"),
            "action": dec.get("action"),
            "rules": [{k: h.get(k) for k in ("rule_id", "pack", "category", "reason", "legal_sources")}
                      for h in hits],
            "policy_id": dec.get("policy_id"),
            "policy_digest": dec.get("policy_digest"),
        },
        "review": {"human_reviewed": bool(reviews), "reviews": reviews},
        "preservation": None if hold is None else {
            "hold_id": hold.id, "created_at": hold.created_at.isoformat(),
            "expires_at": hold.expires_at.isoformat(), "active": hold.active},
    }
    if files:
        pkg["content"]["files"] = [{"sha256": sha, "bytes_base64": base64.b64encode(data).decode("ascii")}
                                   for sha, data in files]
    return pkg

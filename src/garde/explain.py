"""Explain a decision in plain text: action, rules, reasons, signals, digest, analyser versions."""

from __future__ import annotations

from typing import Any

__all__ = ["explain_record"]


def explain_record(rec: dict[str, Any], show_signals: bool = True) -> str:
    """Render a decision record (``Decision.to_dict()`` or a log record) for a person."""
    lines = [
        f"decision {rec.get('decision_id')}  stage={rec.get('stage')}  action={str(rec.get('action', '?')).upper()}",
        f"  actor: {rec['actor']['id']} country={rec['actor']['country']} tier={rec['actor']['tier']}"
        if "actor" in rec else "",
        f"  message ({rec.get('message_lang')}): {rec.get('message')}",
        f"  policy: {rec.get('policy_id')}  digest={rec.get('policy_digest')}",
        f"  jurisdictions: {', '.join(rec.get('jurisdictions') or []) or '(none: base pack only)'}",
    ]
    hits = rec.get("hits") or []
    if hits:
        lines.append("  rules:")
        for h in hits:
            lines.append(f"    - {h['rule_id']} [{h['action']}] ({h['category']}, pack {h['pack']})")
            lines.append(f"      why: {h['reason']}")
            if h.get("signals"):
                sig = ", ".join(f"{k}={v:.2f}" for k, v in h["signals"].items())
                lines.append(f"      signals: {sig}")
            if h.get("legal_sources"):
                lines.append(f"      law: {'; '.join(h['legal_sources'])}")
            extra = []
            if h.get("report_to"):
                extra.append(f"report to {', '.join(h['report_to'])}")
            if h.get("removal_deadline_hours"):
                extra.append(f"remove within {h['removal_deadline_hours']:g} h of notice")
            if h.get("preservation_days"):
                extra.append(f"preserve {h['preservation_days']} days")
            if extra:
                lines.append(f"      duties: {'; '.join(extra)}")
    else:
        lines.append("  rules: none fired")
    errs = rec.get("analyzer_errors") or []
    for e in errs:
        lines.append(f"  analyser failure: {e['analyzer']} ({e['kind']}): {e['message']}")
    if show_signals and rec.get("signals"):
        lines.append("  signals:")
        for s in sorted(rec["signals"], key=lambda s: (-s["score"], s["name"])):
            ev = s.get("evidence") or {}
            evs = f"  {ev}" if ev else ""
            lines.append(f"    {s['name']:<20} {s['score']:.3f}  {s['subject']:<14} {s['source']}{evs}")
    versions = rec.get("analyzer_versions") or {}
    if versions:
        lines.append("  analysers: " + ", ".join(f"{k}@{v}" for k, v in sorted(versions.items())))
    return "\n".join(x for x in lines if x)

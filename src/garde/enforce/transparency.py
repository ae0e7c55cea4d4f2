"""The transparency report (in the spirit of DSA Articles 15 and 24), from the decision log and the cases.

Counts of decisions by action, category (of the strictest rule; ``none`` when no
rule fired), jurisdiction (the actor's country), surface and stage; report
packages per destination (built and sent); notices received and the median and
95th-percentile hours from notice to action; the share of decided cases decided
by a person rather than by garde; strikes and suspensions.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from garde.enforce._util import utc
from garde.enforce.cases import Case
from garde.enforce.ledger import ReportRecord, Strike, Suspension

__all__ = ["TransparencyReport", "percentile", "transparency_report"]


def percentile(values: Sequence[float], p: float) -> float | None:
    """Linear-interpolated percentile (p in [0, 100]); None for no values."""
    if not values:
        return None
    xs = sorted(values)
    k = (len(xs) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


@dataclass(frozen=True, slots=True, kw_only=True)
class TransparencyReport:
    data: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return self.data

    def rows(self) -> list[tuple[str, str, str]]:
        """Flat (section, key, value) rows, for CSV."""
        out: list[tuple[str, str, str]] = []

        def walk(prefix: str, obj: Any) -> None:
            if isinstance(obj, dict):
                for k, v in obj.items():
                    walk(f"{prefix}.{k}" if prefix else str(k), v)
            else:
                section, _, key = prefix.partition(".")
                out.append((section, key, "" if obj is None else str(obj)))

        walk("", self.data)
        return out

    def to_csv(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["section", "key", "value"])
        w.writerows(self.rows())
        return buf.getvalue()

    def to_text(self) -> str:
        d = self.data
        lines = [f"garde transparency report {d['period']['from']} → {d['period']['to']}",
                 f"decisions: {d['decisions']['total']}"]
        for key in ("by_action", "by_category", "by_jurisdiction", "by_surface", "by_stage"):
            items = ", ".join(f"{k}={v}" for k, v in d["decisions"][key].items()) or "-"
            lines.append(f"  {key.replace('_', ' ')}: {items}")
        rep = ", ".join(f"{k}: {v['sent']} sent / {v['built']} built" for k, v in d["reports"].items()) or "-"
        lines.append(f"reports per destination: {rep}")
        n = d["notices"]
        lines.append(f"notices: {n['received']} received, {n['actioned']} actioned, median "
                     f"{n['median_hours_to_action']} h, p95 {n['p95_hours_to_action']} h to action")
        c = d["cases"]
        lines.append(f"cases: {c['opened']} opened, {c['decided']} decided, "
                     f"{c['decided_by_human']} by a person (share {c['share_decided_by_human']})")
        e = d["enforcement"]
        lines.append(f"strikes: {e['strikes']} ({e['strikes_reversed']} reversed on appeal); suspensions: "
                     f"{e['suspensions_temporary']} temporary, {e['suspensions_permanent']} permanent")
        return "\n".join(lines)


def _sorted(c: Counter[str]) -> dict[str, int]:
    return dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0])))


def transparency_report(
    *,
    start: datetime,
    end: datetime,
    records: Iterable[dict[str, Any]],
    cases: Iterable[Case],
    reports: Iterable[ReportRecord],
    strikes: Iterable[Strike] = (),
    suspensions: Iterable[Suspension] = (),
) -> TransparencyReport:
    """Build the report for [start, end). Records are decision-log records; the rest are filtered by time here."""
    s, e = utc(start), utc(end)

    def within(t: datetime | None) -> bool:
        return t is not None and s <= t < e

    by_action: Counter[str] = Counter()
    by_category: Counter[str] = Counter()
    by_country: Counter[str] = Counter()
    by_surface: Counter[str] = Counter()
    by_stage: Counter[str] = Counter()
    total = 0
    for r in records:
        total += 1
        by_action[str(r.get("action"))] += 1
        hits = r.get("hits") or []
        by_category[str(hits[0]["category"]) if hits else "none"] += 1
        by_country[str((r.get("actor") or {}).get("country", "ZZ"))] += 1
        by_surface[str((r.get("request") or {}).get("surface") or "unknown")] += 1
        by_stage[str(r.get("stage"))] += 1

    reps: dict[str, dict[str, int]] = {}
    for rep in reports:
        d = reps.setdefault(rep.destination, {"built": 0, "sent": 0})
        d["built"] += int(within(rep.created_at))
        d["sent"] += int(within(rep.sent_at))
    reps = {k: v for k, v in sorted(reps.items()) if v["built"] or v["sent"]}

    opened: Counter[str] = Counter()
    decided = human = 0
    notice_hours: list[float] = []
    notices = 0
    for c in cases:
        if within(c.created_at):
            opened[c.kind] += 1
            if c.kind == "notice":
                notices += 1
        first = c.first_action
        if first is None or not within(first.at):
            continue
        decided += 1
        human += int(first.human)
        if c.kind == "notice" and first.to_state in ("actioned", "reported"):
            notice_hours.append((first.at - c.created_at).total_seconds() / 3600.0)

    def rnd(x: float | None) -> float | None:
        return None if x is None else round(x, 3)

    st = [x for x in strikes if within(x.created_at)]
    su = [x for x in suspensions if within(x.starts_at)]
    data = {
        "period": {"from": s.isoformat(), "to": e.isoformat()},
        "decisions": {"total": total, "by_action": _sorted(by_action), "by_category": _sorted(by_category),
                      "by_jurisdiction": _sorted(by_country), "by_surface": _sorted(by_surface),
                      "by_stage": _sorted(by_stage)},
        "reports": reps,
        "notices": {"received": notices, "actioned": len(notice_hours),
                    "median_hours_to_action": rnd(percentile(notice_hours, 50)),
                    "p95_hours_to_action": rnd(percentile(notice_hours, 95))},
        "cases": {"opened": sum(opened.values()), "by_kind": _sorted(opened), "decided": decided,
                  "decided_by_human": human,
                  "share_decided_by_human": round(human / decided, 4) if decided else None},
        "enforcement": {"strikes": len(st), "strikes_reversed": sum(1 for x in st if not x.active),
                        "suspensions_temporary": sum(1 for x in su if x.kind == "temporary"),
                        "suspensions_permanent": sum(1 for x in su if x.kind == "permanent")},
    }
    return TransparencyReport(data=data)

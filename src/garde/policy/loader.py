"""Load YAML packs, fold their ``extends`` chains and refuse any pack that lowers its parents.

The rules of inheritance, enforced here at load time:

* every pack except the floor extends another pack, and every chain ends at the floor;
* a child never drops a parent rule (``remove:`` of an inherited rule is an error naming it);
* a child may restate a parent rule only to raise its action or add metadata
  (legal sources, reporting, deadlines): changing its condition or stage, or
  lowering its action, is an error naming the rule;
* thresholds may only be lowered (a lower threshold fires more often);
* ``on_error`` may only be raised, and never below ``review``;
* strike thresholds may only be tightened.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from garde.errors import PolicyError
from garde.model import Action
from garde.policy.schema import Condition, PackFile, ResolvedPack, Rule, RuleFile
from garde.signals import SIGNALS

__all__ = ["FLOOR", "PolicyLibrary", "load_library", "parse_pack_text"]

FLOOR = "floor"
_MIN_ON_ERROR = Action.REVIEW


def canonical_digest(obj: Any) -> str:
    data = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def parse_pack_text(text: str, origin: str) -> PackFile:
    """Parse and validate one pack file; errors name the file and the bad field."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise PolicyError(f"policy pack {origin}: not valid YAML: {e}".replace("\n", " ")) from None
    if not isinstance(raw, dict):
        raise PolicyError(f"policy pack {origin}: expected a mapping at the top, got {type(raw).__name__}")
    try:
        return PackFile.model_validate(raw)
    except ValidationError as e:
        first = e.errors()[0]
        loc = ".".join(str(x) for x in first["loc"])
        raise PolicyError(f"policy pack {origin}: {loc}: {first['msg']} (got {first.get('input')!r})") from None


def _check_signals(pack: PackFile, origin: str) -> None:
    def walk(c: Any, rule_id: str) -> None:
        if c is None:
            return
        if c.signal is not None and c.signal not in SIGNALS:
            raise PolicyError(
                f"policy pack {origin}: rule {rule_id!r} names unknown signal {c.signal!r}"
            )
        for ch in (c.all or []) + (c.any or []) + ([c.not_] if c.not_ else []):
            walk(ch, rule_id)

    for r in pack.rules:
        walk(r.when, r.id)
    for name in pack.thresholds:
        if name not in SIGNALS:
            raise PolicyError(f"policy pack {origin}: threshold for unknown signal {name!r}")


class PolicyLibrary:
    """All packs known to this process, resolved, by id."""

    def __init__(self, files: Mapping[str, tuple[PackFile, str]]) -> None:
        self._files = dict(files)
        self._resolved: dict[str, ResolvedPack] = {}
        for pid in sorted(self._files):
            self.resolve(pid, ())

    @property
    def ids(self) -> list[str]:
        return sorted(self._resolved)

    def get(self, pack_id: str) -> ResolvedPack:
        try:
            return self._resolved[pack_id.lower()]
        except KeyError:
            raise PolicyError(f"unknown policy pack {pack_id!r}; known: {', '.join(self.ids)}") from None

    def packs(self) -> list[ResolvedPack]:
        return [self._resolved[i] for i in self.ids]

    def by_jurisdiction(self) -> dict[str, ResolvedPack]:
        out: dict[str, ResolvedPack] = {}
        for p in self._resolved.values():
            for code in p.applies_to:
                out[code] = p
        return out

    # -- resolution ---------------------------------------------------------

    def resolve(self, pack_id: str, seen: tuple[str, ...]) -> ResolvedPack:
        if pack_id in self._resolved:
            return self._resolved[pack_id]
        if pack_id in seen:
            raise PolicyError(f"policy pack {pack_id!r}: 'extends' loops through {' -> '.join((*seen, pack_id))}")
        if pack_id not in self._files:
            raise PolicyError(f"policy pack {seen[-1] if seen else '?'!r} extends unknown pack {pack_id!r}")
        pf, origin = self._files[pack_id]
        if pack_id == FLOOR:
            if pf.extends is not None:
                raise PolicyError(f"policy pack {origin}: the floor extends nothing (got {pf.extends!r})")
            resolved = self._resolve_floor(pf, origin)
        else:
            if pf.extends is None:
                raise PolicyError(
                    f"policy pack {origin}: every pack must extend the floor (directly or not); "
                    f"'extends' is missing"
                )
            parent = self.resolve(pf.extends, (*seen, pack_id))
            resolved = self._resolve_child(pf, origin, parent)
        digest = canonical_digest(resolved.to_json())
        resolved = replace(resolved, digest=digest)
        self._resolved[pack_id] = resolved
        return resolved

    @staticmethod
    def _new_rule(r: RuleFile, pack: str, origin: str) -> Rule:
        missing = [k for k in ("category", "stage", "action", "when", "reason") if getattr(r, k) is None]
        if missing:
            raise PolicyError(f"policy pack {origin}: new rule {r.id!r} lacks {', '.join(missing)}")
        assert r.when is not None and r.action is not None
        return Rule(
            id=r.id, pack=pack, category=r.category or "", stage=r.stage or "any",
            action=Action.parse(r.action), when=Condition.from_file(r.when), reason=r.reason or "",
            legal_sources=tuple(r.legal_sources), source_ids=tuple(r.source_ids),
            status=r.status or "policy", confidence=r.confidence, report_to=tuple(r.report_to),
            removal_deadline_hours=r.removal_deadline_hours, preservation_days=r.preservation_days,
            strike_weight=r.strike_weight if r.strike_weight is not None else 0,
            suspend=r.suspend or "none", note=r.note,
        )

    def _resolve_floor(self, pf: PackFile, origin: str) -> ResolvedPack:
        _check_signals(pf, origin)
        if pf.remove:
            raise PolicyError(f"policy pack {origin}: the floor cannot remove rules")
        if pf.on_error is None or pf.on_error.images is None or pf.on_error.text_only is None:
            raise PolicyError(f"policy pack {origin}: the floor must set on_error.images and on_error.text_only")
        oe_i, oe_t = Action.parse(pf.on_error.images), Action.parse(pf.on_error.text_only)
        for where, a in (("images", oe_i), ("text_only", oe_t)):
            if a < _MIN_ON_ERROR:
                raise PolicyError(f"policy pack {origin}: on_error.{where}={a.label!r} would turn a failure "
                                  f"into an allow; it must be review or stricter")
        enf = pf.enforcement
        rules = tuple(self._new_rule(r, pf.pack, origin) for r in pf.rules)
        self._unique(rules, origin)
        return ResolvedPack(
            id=pf.pack, title=pf.title, version=pf.version, disclaimer=pf.not_legal_advice,
            chain=(pf.pack,), jurisdiction=pf.jurisdiction, applies_to=tuple(pf.applies_to),
            languages=tuple(pf.languages), thresholds=dict(pf.thresholds),
            on_error_images=oe_i, on_error_text_only=oe_t,
            suspend_after_strikes=(enf.suspend_after_strikes if enf and enf.suspend_after_strikes else 3),
            window_days=(enf.window_days if enf and enf.window_days else 30),
            suspension_days=(enf.suspension_days if enf and enf.suspension_days else 7),
            rules=rules,
        )

    @staticmethod
    def _unique(rules: Iterable[Rule], origin: str) -> None:
        seen: set[str] = set()
        for r in rules:
            if r.id in seen:
                raise PolicyError(f"policy pack {origin}: rule id {r.id!r} appears twice")
            seen.add(r.id)

    def _resolve_child(self, pf: PackFile, origin: str, parent: ResolvedPack) -> ResolvedPack:
        _check_signals(pf, origin)
        floor_ids = {r.id for r in self.get(FLOOR).rules} if FLOOR in self._resolved else set()
        parent_rules = {r.id: r for r in parent.rules}

        def owner(rule_id: str) -> str:
            return "floor rule" if rule_id in floor_ids else f"rule inherited from {parent.id!r}"

        for rid in pf.remove:
            if rid in parent_rules:
                raise PolicyError(f"policy pack {origin}: cannot remove {owner(rid)} {rid!r}: "
                                  f"no pack may drop or lower a parent rule")
            raise PolicyError(f"policy pack {origin}: 'remove' names unknown rule {rid!r}")

        merged: dict[str, Rule] = dict(parent_rules)
        own: list[str] = []
        for r in pf.rules:
            if r.id in own:
                raise PolicyError(f"policy pack {origin}: rule id {r.id!r} appears twice")
            own.append(r.id)
            if r.id in parent_rules:
                merged[r.id] = self._override(parent_rules[r.id], r, origin, owner(r.id))
            else:
                merged[r.id] = self._new_rule(r, pf.pack, origin)

        thresholds = dict(parent.thresholds)
        for name, t in pf.thresholds.items():
            if name in thresholds and t > thresholds[name]:
                raise PolicyError(
                    f"policy pack {origin}: threshold {name!r}={t} is higher than the inherited "
                    f"{thresholds[name]} from {parent.id!r}; a pack may only lower thresholds"
                )
            thresholds[name] = t

        oe_i, oe_t = parent.on_error_images, parent.on_error_text_only
        if pf.on_error is not None:
            for where, val, cur in (("images", pf.on_error.images, oe_i), ("text_only", pf.on_error.text_only, oe_t)):
                if val is None:
                    continue
                a = Action.parse(val)
                if a < cur:
                    raise PolicyError(f"policy pack {origin}: on_error.{where}={a.label!r} is lower than the "
                                      f"inherited {cur.label!r}")
                if where == "images":
                    oe_i = a
                else:
                    oe_t = a

        n, w, d = parent.suspend_after_strikes, parent.window_days, parent.suspension_days
        if pf.enforcement is not None:
            e = pf.enforcement
            if e.suspend_after_strikes is not None:
                if e.suspend_after_strikes > n:
                    raise PolicyError(f"policy pack {origin}: enforcement.suspend_after_strikes="
                                      f"{e.suspend_after_strikes} is laxer than the inherited {n}")
                n = e.suspend_after_strikes
            if e.window_days is not None:
                if e.window_days < w:
                    raise PolicyError(f"policy pack {origin}: enforcement.window_days={e.window_days} "
                                      f"is laxer than the inherited {w}")
                w = e.window_days
            if e.suspension_days is not None:
                if e.suspension_days < d:
                    raise PolicyError(f"policy pack {origin}: enforcement.suspension_days="
                                      f"{e.suspension_days} is laxer than the inherited {d}")
                d = e.suspension_days

        return ResolvedPack(
            id=pf.pack, title=pf.title, version=pf.version, disclaimer=pf.not_legal_advice,
            chain=(pf.pack, *parent.chain), jurisdiction=pf.jurisdiction or parent.jurisdiction,
            applies_to=tuple(pf.applies_to), languages=tuple(pf.languages or parent.languages),
            thresholds=thresholds, on_error_images=oe_i, on_error_text_only=oe_t,
            suspend_after_strikes=n, window_days=w, suspension_days=d,
            rules=tuple(merged.values()),
        )

    @staticmethod
    def _override(base: Rule, r: RuleFile, origin: str, owner: str) -> Rule:
        if r.when is not None and Condition.from_file(r.when) != base.when:
            raise PolicyError(f"policy pack {origin}: cannot change the condition of {owner} {r.id!r}")
        if r.stage is not None and r.stage != base.stage:
            raise PolicyError(f"policy pack {origin}: cannot change the stage of {owner} {r.id!r}")
        action = base.action
        if r.action is not None:
            a = Action.parse(r.action)
            if a < base.action:
                raise PolicyError(f"policy pack {origin}: cannot lower {owner} {r.id!r} from "
                                  f"{base.action.label!r} to {a.label!r}")
            action = a
        if r.strike_weight is not None and r.strike_weight < base.strike_weight:
            raise PolicyError(f"policy pack {origin}: cannot lower the strike weight of {owner} {r.id!r}")
        if r.preservation_days is not None and base.preservation_days and r.preservation_days < base.preservation_days:
            raise PolicyError(f"policy pack {origin}: cannot shorten the preservation of {owner} {r.id!r}")
        if (r.removal_deadline_hours is not None and base.removal_deadline_hours
                and r.removal_deadline_hours > base.removal_deadline_hours):
            raise PolicyError(f"policy pack {origin}: cannot lengthen the removal deadline of {owner} {r.id!r}")
        return Rule(
            id=base.id, pack=base.pack, category=r.category or base.category, stage=base.stage,
            action=action, when=base.when, reason=r.reason or base.reason,
            legal_sources=tuple(dict.fromkeys((*base.legal_sources, *r.legal_sources))),
            source_ids=tuple(dict.fromkeys((*base.source_ids, *r.source_ids))),
            status=r.status or base.status, confidence=r.confidence or base.confidence,
            report_to=tuple(dict.fromkeys((*base.report_to, *r.report_to))),
            removal_deadline_hours=r.removal_deadline_hours or base.removal_deadline_hours,
            preservation_days=r.preservation_days or base.preservation_days,
            strike_weight=r.strike_weight if r.strike_weight is not None else base.strike_weight,
            suspend=(r.suspend if r.suspend and r.suspend != "none" else base.suspend),
            note=r.note or base.note,
        )


def _builtin_pack_texts() -> list[tuple[str, str]]:
    root = resources.files("garde.policy") / "packs"
    out = []
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.name.endswith((".yaml", ".yml")):
            out.append((f"packs/{entry.name}", entry.read_text(encoding="utf-8")))
    return out


def load_library(extra_dirs: Iterable[Path] = (), include_builtin: bool = True) -> PolicyLibrary:
    """Load the built-in packs plus any operator packs (``GARDE_POLICY_DIR``, ``extra_dirs``).

    An operator pack with the id of a built-in pack replaces it (it still has to
    extend the floor and keep every floor rule).
    """
    texts = _builtin_pack_texts() if include_builtin else []
    dirs = list(extra_dirs)
    env = os.environ.get("GARDE_POLICY_DIR")
    if env:
        dirs.extend(Path(p) for p in env.split(os.pathsep) if p)
    for d in dirs:
        if not d.is_dir():
            raise PolicyError(f"policy directory {str(d)!r} does not exist")
        for f in sorted(d.glob("*.y*ml")):
            texts.append((str(f), f.read_text(encoding="utf-8")))
    files: dict[str, tuple[PackFile, str]] = {}
    for origin, text in texts:
        pf = parse_pack_text(text, origin)
        if pf.pack in files and not files[pf.pack][1].startswith("packs/"):
            raise PolicyError(f"policy pack {origin}: id {pf.pack!r} is already defined by {files[pf.pack][1]}")
        files[pf.pack] = (pf, origin)
    if FLOOR not in files:
        raise PolicyError("no floor pack found: every policy needs packs/floor.yaml")
    return PolicyLibrary(files)

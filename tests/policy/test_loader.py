"""Loading packs: schema errors, extends, and the floor that no pack can lower."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from garde.errors import PolicyError
from garde.model import Action
from garde.policy import load_library
from garde.policy.testing import run_cases

HEAD = """
pack: {pid}
title: Test pack
version: "1"
extends: {ext}
not_legal_advice: "NOT LEGAL ADVICE. test pack."
"""


def _lib(tmp_path: Path, body: str, pid: str = "op", ext: str = "floor") -> object:
    (tmp_path / f"{pid}.yaml").write_text(HEAD.format(pid=pid, ext=ext) + body, encoding="utf-8")
    return load_library([tmp_path])


def test_builtin_packs_load_and_all_cases_pass() -> None:
    lib = load_library()
    assert {"floor", "default", "us"} <= set(lib.ids)
    results = run_cases()
    assert results and all(r.ok for r in results), [r for r in results if not r.ok]


@pytest.mark.parametrize("rule", ["floor.minor.request_text", "floor.hash.known_abuse", "floor.real_person.nudity"])
def test_removing_a_floor_rule_is_rejected_naming_it(tmp_path: Path, rule: str) -> None:
    with pytest.raises(PolicyError, match=rf"cannot remove floor rule '{rule}'"):
        _lib(tmp_path, f"remove: [{rule}]\n")


def test_lowering_a_floor_rule_is_rejected_naming_it(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot lower floor rule 'floor.minor.request_text'"):
        _lib(tmp_path, "rules:\n  - {id: floor.minor.request_text, action: review}\n")


def test_changing_a_floor_condition_is_rejected(tmp_path: Path) -> None:
    body = "rules:\n  - id: floor.minor.request_text\n    when: {signal: minor_reference, min: 0.99}\n"
    with pytest.raises(PolicyError, match="cannot change the condition of floor rule"):
        _lib(tmp_path, body)


def test_raising_a_threshold_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="threshold 'sexual_intent'=0.9 is higher"):
        _lib(tmp_path, "thresholds: {sexual_intent: 0.9}\n")


def test_on_error_cannot_be_lowered(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="on_error.images='allow' is lower"):
        _lib(tmp_path, "on_error: {images: allow}\n")


def test_unknown_signal_is_rejected(tmp_path: Path) -> None:
    body = ("rules:\n  - {id: op.x.y, category: c, stage: any, action: block, reason: r,"
            " when: {signal: sexual_intnet}}\n")
    with pytest.raises(PolicyError, match="unknown signal 'sexual_intnet'"):
        _lib(tmp_path, body)


def test_malformed_yaml_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("pack: [unclosed\n", encoding="utf-8")
    with pytest.raises(PolicyError, match=r"bad\.yaml: not valid YAML"):
        load_library([tmp_path])


def test_schema_error_names_the_field_and_value(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match=r"rules\.0\.action.*'blok'"):
        _lib(tmp_path, "rules:\n  - {id: op.a.b, category: c, stage: any, action: blok, reason: r,"
                       " when: {signal: sexual_intent}}\n")


def test_missing_extends_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text(
        'pack: x\ntitle: t\nversion: "1"\nnot_legal_advice: "NOT LEGAL ADVICE. x"\n', encoding="utf-8")
    with pytest.raises(PolicyError, match="must extend the floor"):
        load_library([tmp_path])


def test_extends_loop_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(HEAD.format(pid="a", ext="b"), encoding="utf-8")
    (tmp_path / "b.yaml").write_text(HEAD.format(pid="b", ext="a"), encoding="utf-8")
    with pytest.raises(PolicyError, match="loops"):
        load_library([tmp_path])


def test_operator_pack_can_raise_and_add(tmp_path: Path) -> None:
    body = ("rules:\n  - {id: floor.real_person.sexual_request, action: block}\n"
            "  - {id: op.jail.label, category: jailbreak, stage: request, action: label, reason: r,"
            " when: {signal: jailbreak_framing}}\n")
    lib = _lib(tmp_path, body)
    p = lib.get("op")  # type: ignore[attr-defined]
    rules = {r.id: r for r in p.rules}
    assert rules["floor.real_person.sexual_request"].action is Action.BLOCK
    assert "op.jail.label" in rules and p.chain == ("op", "floor")


@settings(max_examples=50, deadline=None)
@given(st.sampled_from(sorted(r.id for r in load_library().get("floor").rules)))
def test_extends_never_drops_a_parent_rule(rule_id: str) -> None:
    lib = load_library()
    for pack in lib.packs():
        ids = {r.id for r in pack.rules}
        assert rule_id in ids, f"{pack.id} lost {rule_id}"
        parent_ids = {r.id for r in lib.get(pack.chain[1]).rules} if len(pack.chain) > 1 else set()
        assert parent_ids <= ids
